import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import { UserType, userType } from '../../schema/identity/user.type';
import { AuditEntryConnection, AuditEntryType, auditEntryType } from '../../schema/operations/audit.types';
import { mapConnection } from '../../services/common/pagination';
import type { RequestScope } from '../../services/common/request-scope';
import { UserService } from '../../services/identity/user.service';
import { AuditLogService } from '../../services/operations/audit-log.service';

@Resolver(() => AuditEntryType)
export class AuditLogResolver {
  constructor(
    private readonly entries: AuditLogService,
    private readonly users: UserService,
  ) {}

  @Authorized(Role.ADMIN)
  @Query(() => AuditEntryConnection, {
    description:
      'Admins: the audit log, newest first; `objectId` (a global id from the API, or a stored id as the log shows it) keeps the entries about one object.',
  })
  async auditLog(
    @Ctx() ctx: RequestScope,
    @Arg('objectId', () => ID, { nullable: true }) objectId?: string,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return mapConnection(await this.entries.page(ctx, { objectId, first, after }), auditEntryType);
  }

  @FieldResolver(() => UserType, {
    nullable: true,
    description:
      'Who did it; null for the system (the daily job, background work). A deleted user shows pseudonymised.',
  })
  async actor(@Root() e: AuditEntryType, @Ctx() ctx: RequestScope) {
    if (!e.actorLocalId) return null;
    return userType(await this.users.ofRecord(ctx, e.actorLocalId));
  }
}
