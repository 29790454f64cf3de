import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type AuthChecker } from 'type-graphql';
import { forbidden, unauthenticated } from '../lib/errors';
import { resolvers } from '../resolvers';
import type { ResolverContext } from '../resolvers/common/context';

/**
 * `@Authorized()` needs a signed-in viewer; `@Authorized(Role.ADMIN)` also needs one of the
 * roles. It throws the same refusals as services (UNAUTHENTICATED, FORBIDDEN), so clients
 * see them the same way: ./errors maps them, with their HTTP statuses.
 */
const authChecker: AuthChecker<ResolverContext> = ({ context }, roles) => {
  const viewer = context.viewer;
  if (!viewer) throw unauthenticated();
  if (roles.length && !roles.some((r) => viewer.roles.includes(r as never))) throw forbidden();
  return true;
};

/** type-graphql builds the root types itself, with no way to describe them: done here. */
const ROOT_DESCRIPTIONS: Record<string, string> = {
  Query: 'Entry points for reading: the signed-in user, applications, accounts and anything by its id.',
  Mutation: 'Entry points for changing data; expected failures come back in each payload’s `userErrors`.',
  Subscription:
    'Live events; each carries a cursor, and passing the last one seen as `since` replays what was missed.',
};

function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (root) root.description ??= ROOT_DESCRIPTIONS[root.name];
  }
  return schema;
}

let cached: Promise<GraphQLSchema> | null = null;

/**
 * The executable schema, built once per process. Resolver instances come from each
 * request's context (`container`), so servers in one process each use their own services.
 */
export function buildAppSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    authChecker,
    container: ({ context }: { context: ResolverContext }) => context.container,
    validate: { forbidUnknownValues: false, skipMissingProperties: false },
    emitSchemaFile: false,
    // Every subscription streams through the outbox (`subscribe:`), never type-graphql's own topics.
    pubSub: {
      publish() {
        throw new Error('publish through the outbox (Tx.emit)');
      },
      subscribe() {
        throw new Error('subscriptions stream from LiveHub');
      },
    },
  }).then(describeRootTypes);
  return cached;
}

/** The SDL clients see, sorted so that reviews show real changes only. */
export async function printAppSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildAppSchema()))}\n`;
}
