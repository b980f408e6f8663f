export class InvalidClientMetadataError extends Error {
  override readonly name = 'InvalidClientMetadataError';
  readonly error = 'invalid_client_metadata';
}

export class ClientNotFoundError extends Error {
  override readonly name = 'ClientNotFoundError';
}
