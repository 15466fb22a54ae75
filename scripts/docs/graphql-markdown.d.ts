/** graphql-markdown ships no types; this is the part of its Node API the docs script uses. */
declare module 'graphql-markdown' {
  export function renderSchema(
    schema: unknown,
    options?: {
      title?: string;
      skipTitle?: boolean;
      prologue?: string;
      epilogue?: string;
      skipTableOfContents?: boolean;
      headingLevel?: number;
      printer?: (line: string) => void;
    },
  ): void;
}
