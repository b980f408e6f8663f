import { AppError } from '../errors/app-error.ts';

/** RFC 7591's error: the metadata cannot be registered as given. */
export class InvalidClientMetadataError extends AppError {
  override name = 'InvalidClientMetadataError';
  readonly error = 'invalid_client_metadata';
  constructor(message: string) {
    super('invalid_client_metadata', message);
  }
}

export class ClientNotFoundError extends AppError {
  override name = 'ClientNotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}
