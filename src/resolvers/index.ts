import type { NonEmptyArray } from 'type-graphql';
import { createNodeResolver, type NodeSource } from './common/node.resolver';
import * as accounts from './accounts';
import * as applications from './applications';
import * as identity from './identity';
import * as marketplace from './marketplace';
import * as merchants from './merchants';
import * as notifications from './notifications';
import * as operations from './operations';
import * as privacy from './privacy';
import * as repayments from './repayments';
import * as rewards from './rewards';

interface Feature {
  resolvers: Function[];
  /** How `node(id:)` finds the feature's types, if it has any. */
  nodes?: NodeSource;
}

/** The features of the API: a new feature adds its folders and one line here. */
const features: Feature[] = [
  identity,
  applications,
  accounts,
  repayments,
  rewards,
  notifications,
  marketplace,
  merchants,
  operations,
  privacy,
];

export const resolvers: NonEmptyArray<Function> = [
  createNodeResolver(features.flatMap((f) => (f.nodes ? [f.nodes] : []))),
  ...features.flatMap((f) => f.resolvers),
];
