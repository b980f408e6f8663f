import type Provider from 'oidc-provider';

/** The provider event every device-flow step emits (audit/device-flow-audit.ts writes them down). */
export const DEVICE_FLOW_EVENT = 'portcullis.device_flow';

export type DeviceFlowAction = 'device.code_entered' | 'device.code_rejected' | 'device.code_throttled' | 'device.approved' | 'device.denied';

export interface DeviceFlowEvent {
  readonly action: DeviceFlowAction;
  /** The browser's address (never the device's). */
  readonly address: string;
  readonly clientId?: string | undefined;
  readonly accountId?: string | undefined;
}

export function emitDeviceFlowEvent(provider: Provider, event: DeviceFlowEvent): void {
  provider.emit(DEVICE_FLOW_EVENT, event);
}
