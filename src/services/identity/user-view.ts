import type { Role, User } from '../../entities/identity/user.entity';

/**
 * A user as the API shows them: JSON-safe (ISO strings). Never the password hash, so no
 * reader of a view can leak it.
 */
export interface UserView {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: string;
}

export const userView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  roles: u.roles,
  createdAt: u.createdAt.toISOString(),
});
