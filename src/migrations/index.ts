import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261202Foundation } from './20261202-foundation';

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
export const migrations: MigrationObject[] = [
  { name: '20261202-foundation', class: Migration20261202Foundation },
];
