import type Provider from 'oidc-provider';
import { DEVICE_FLOW_EVENT, type DeviceFlowAction, type DeviceFlowEvent } from '../oidc/device-flow-events.ts';
import type { AuditLog } from './audit-log.ts';

const FAILURES: ReadonlySet<DeviceFlowAction> = new Set(['device.code_rejected', 'device.code_throttled']);

/** Every step of the device flow in the audit trail: a code entered, wrong or throttled, a device approved or denied. */
export function auditDeviceFlowEvents(provider: Provider, audit: AuditLog): void {
  (provider as unknown as { on(event: string, listener: (event: DeviceFlowEvent) => void): void }).on(DEVICE_FLOW_EVENT, (event) => {
    audit.recordInBackground({
      actor: event.accountId ? `user:${event.accountId}` : 'anonymous',
      action: event.action,
      target: event.accountId ?? event.clientId,
      address: event.address,
      outcome: FAILURES.has(event.action) ? 'failure' : 'success',
      detail: event.clientId ? { client_id: event.clientId } : undefined,
    });
  });
}
