// Emporix with openapi-fetch: an anonymous session, its context, the customer login, a refusal.
//   npx openapi-typescript contracts/emporix.yaml -o api.d.ts    (the types this file imports)
//   MOCK_URL=http://127.0.0.1:8080 node emporix.js    (after tsc; `make serve CONTRACT=emporix`)
import createClient from "openapi-fetch";
import type { paths } from "./api";

const client = createClient<paths>({ baseUrl: process.env.MOCK_URL ?? "http://127.0.0.1:8080" });
const tenant = "demoshop";

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`emporix flow: ${what}`);
}

const anonymous = await client.GET("/customerlogin/auth/anonymous/login", {
  params: { query: { tenant, client_id: "demo-storefront" } },
});
check(anonymous.data, `anonymous login answered ${anonymous.response.status}`);
// The session travels in the bearer token of every later call.
const bearer = { Authorization: `Bearer ${anonymous.data.access_token}` };

const context = await client.GET("/session-context/{tenant}/me/context", {
  params: { path: { tenant } },
  headers: bearer,
});
check(context.data?.sessionId === anonymous.data.sessionId, "me/context is the anonymous session's");

const login = await client.POST("/customer/{tenant}/login", {
  params: { path: { tenant } },
  headers: bearer,
  body: { email: "demo@example.com", password: "Demo-Password-1" },
});
check(login.data?.session_id === anonymous.data.sessionId, `customer login answered ${login.response.status}`);

const wrong = await client.POST("/customer/{tenant}/login", {
  params: { path: { tenant } },
  headers: bearer,
  body: { email: "demo@example.com", password: "not-the-password-1" },
});
check(wrong.response.status === 401 && wrong.error, "a wrong password is refused with 401");

console.log("emporix flow: anonymous session, its context, customer login and a refused password as documented");
