// Failures the domain reports, by kind. Nothing here knows HTTP: src/http/problem.ts maps each kind
// to a status, so the users service can be used (and tested) without a server.

export interface FieldError {
  field: string;
  message: string;
}

export class InvalidInput extends Error {
  readonly errors: readonly FieldError[];

  constructor(message: string, errors: readonly FieldError[] = []) {
    super(message);
    this.name = 'InvalidInput';
    this.errors = errors;
  }
}

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

export class Conflict extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Conflict';
  }
}

export class PreconditionFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionFailed';
  }
}
