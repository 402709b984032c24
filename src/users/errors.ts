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
  constructor() {
    super('Email already exists');
    this.name = 'EmailTaken';
  }
}

export class UserChanged extends PreconditionFailed {
  constructor() {
    super('The user has changed since the ETag in If-Match was issued; GET it again and retry with the new ETag.');
    this.name = 'UserChanged';
  }
}
