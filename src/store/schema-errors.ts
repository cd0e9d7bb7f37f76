import { OptirelayError } from '../core/errors.js';

/** Both stores refuse to run against a database migrated by a newer optirelay (migrations never run backwards). */
export class SchemaTooNewError extends OptirelayError {
  constructor(dbVersion: number, knownVersion: number) {
    super(
      'OR_STORE_SCHEMA_TOO_NEW',
      `the database schema is at version ${dbVersion} but this optirelay knows versions up to ${knownVersion}; ` +
        `run an optirelay release that supports schema version ${dbVersion} (or newer), or point store: at another database`,
      500,
      { dbVersion, knownVersion },
    );
  }
}
