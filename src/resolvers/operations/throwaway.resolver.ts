import { Arg, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';

@InputType({ description: 'Throwaway: shows that the sweeps fail for an operation without an entry.' })
class ThrowawayProbeInput {
  @Field(() => ID, { description: 'Some account.' })
  accountId!: string;

  @Field({ description: 'A money mutation takes one.' })
  idempotencyKey!: string;
}

@Resolver()
export class ThrowawayResolver {
  @Mutation(() => Boolean, { description: 'Throwaway: removed in the next commit.' })
  throwawayProbe(@Arg('input', () => ThrowawayProbeInput) _input: ThrowawayProbeInput): boolean {
    return true;
  }
}
