import { handlers } from '../../../../auth';

// Auth.js's own routes: sign-in callbacks (credentials, OIDC), sign-out, session, CSRF.
export const { GET, POST } = handlers;
