import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types for every operation in the portal, generated from the hub's committed schema: a schema
 * change that breaks an operation fails here (the document no longer validates) or in the
 * portal's type check (a field's type changed), so `npm run build` fails with it.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['portal/src/**/*.{ts,tsx}', '!portal/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'portal/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTimeISO: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
  silent: true,
};

export default config;
