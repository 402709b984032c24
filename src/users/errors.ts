// The users domain's failures. The HTTP layer maps their kinds to 404, 409 and 412.
import { Conflict, NotFound, PreconditionFailed } from '../errors.ts';

export class UserNotFound extends NotFound {
  readonly id: number;

  constructor(id: number) {
    super('User not found');
    this.name = 'UserNotFound';
    this.id = id;
  }
}

export class EmailTaken extends Conflict {
  /** `cause` is the SQLite unique violation, kept for the constraint-error metric. */
  constructor(cause?: unknown) {
    super('Email already exists', { cause });
    this.name = 'EmailTaken';
  }
}

export class UserChanged extends PreconditionFailed {
  constructor() {
    super('The user does not meet the If-Match or If-None-Match condition: it has changed since that ETag was issued. GET it again and retry with its current ETag.');
    this.name = 'UserChanged';
  }
}
