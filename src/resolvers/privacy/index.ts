import { PrivacyResolver } from './privacy.resolver';

export const resolvers = [PrivacyResolver];
