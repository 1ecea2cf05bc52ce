// oidc-provider ships no type declarations; the tests use it through a narrow surface (idp.ts).
declare module 'oidc-provider';
