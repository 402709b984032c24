// What a user is, to the API and to the code behind it.

export interface User {
  id: number;
  email: string;
  name: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

/** The fields a client may set; the rest are the service's. */
export interface UserFields {
  email: string;
  name: string;
  is_active: boolean;
}

export type UserPatch = Partial<UserFields>;
