// Optimizely with openapi-fetch: a token, the sign-in into its session, the session, a refusal.
//   npx openapi-typescript contracts/optimizely.yaml -o api.d.ts    (the types this file imports)
//   MOCK_URL=http://127.0.0.1:8080 node optimizely.js    (after tsc; `make serve CONTRACT=optimizely`)
import createClient from "openapi-fetch";
import type { paths } from "./api";

const client = createClient<paths>({ baseUrl: process.env.MOCK_URL ?? "http://127.0.0.1:8080" });

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`optimizely flow: ${what}`);
}

const token = await client.POST("/identity/connect/token", {
  headers: { Authorization: `Basic ${btoa("isc:any-secret")}`, "Content-Type": "application/x-www-form-urlencoded" },
  body: { grant_type: "password", username: "demo", password: "Demo-Password-1", scope: "iscapi offline_access" },
  bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
});
check(token.data, `the token endpoint answered ${token.response.status}`);
// The session travels in the bearer token of every later call.
const bearer = { Authorization: `Bearer ${token.data.access_token}` };

const signIn = await client.POST("/api/v1/sessions", {
  headers: bearer,
  // openapi-typescript types a field with a default as required (its defaultNonNullable): send it.
  body: { userName: "demo", password: "Demo-Password-1", rememberMe: false },
});
check(signIn.response.status === 201 && signIn.data, `the sign-in answered ${signIn.response.status}`);

const current = await client.GET("/api/v1/sessions/current", { headers: bearer });
check(current.data?.isAuthenticated && current.data.userName === "demo", "the session is the demo user's");

const wrong = await client.POST("/api/v1/sessions", { body: { userName: "demo", password: "not-the-password-1", rememberMe: false } });
check(wrong.response.status === 400 && wrong.error?.message, "a wrong password is refused with 400 and a message");

console.log("optimizely flow: token, sign-in, current session and a refused password as documented");
