import { Migration } from '@mikro-orm/migrations';

/**
 * Data rights (SPEC section 2): `exportMyData` lists a person's sign-in sessions and
 * `deleteMyAccount` revokes every one of them, both by user, so refresh tokens get an index on
 * their user (they had one on their session only).
 */
export class Migration0012Privacy extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index "refresh_token_user_id_index" on "refresh_token" ("user_id");
`);
  }
}
