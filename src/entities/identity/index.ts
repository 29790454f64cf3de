export * from './refresh-token.entity';
export * from './user.entity';
import { RefreshToken } from './refresh-token.entity';
import { User } from './user.entity';

/** This feature's entities, for the ORM's discovery. */
export default [User, RefreshToken];
