// WEBSALE with openapi-fetch: a session, the demo login, the account, a typed error code.
//   npx openapi-typescript openapi.yaml -o api.d.ts    (the types this file imports)
//   MOCK_URL=http://127.0.0.1:8080/api/v1 node websale.js    (after tsc; `make serve` runs the mock)
import createClient from "openapi-fetch";
import type { paths } from "./api";

const client = createClient<paths>({ baseUrl: process.env.MOCK_URL ?? "http://127.0.0.1:8080/api/v1" });

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`websale flow: ${what}`);
}

const created = await client.POST("/session/create");
check(created.data, `session/create answered ${created.response.status}`);
// The session travels in the typed x-session header of every later call.
const header = { "x-session": created.data.id };

const login = await client.POST("/account/login", {
  params: { header },
  body: { id: "demo@example.com", password: "Demo-Password-1" },
});
check(login.data?.loggedIn, `login answered ${login.response.status}`);

const account = await client.GET("/account/get", { params: { header } });
check(account.data?.account?.email === "demo@example.com", "account/get names the demo customer");

const addresses = await client.GET("/account/address/list", { params: { header } });
check(addresses.data && addresses.data.addresses.length > 0, "the demo customer has addresses");
// What a form loads it can send back: unset fields read as null, and null is accepted on write.
const { id: addressId, isMain: _isMain, ...fields } = addresses.data.addresses[0];
const updated = await client.PUT("/account/address/update", {
  params: { header },
  body: { addressId, address: fields },
});
check(updated.data?.address.id === addressId, `address/update of what was read answered ${updated.response.status}`);

const wrong = await client.POST("/account/login", {
  params: { header },
  body: { id: "demo@example.com", password: "not-the-password-1" },
});
check(wrong.response.status === 401 && wrong.error, "a wrong password is refused with 401");
// Every code login documents, as a union of string literals.
type LoginErrorCode = NonNullable<typeof wrong.error>["error"]["code"];
const code: LoginErrorCode = wrong.error.error.code;
check(code === "invalidCredentials", `the code is invalidCredentials, not ${code}`);
// @ts-expect-error the error codes are typed: login never answers this one
const unknownCode: LoginErrorCode = "noSuchCode";
void unknownCode;

console.log("websale flow: session, login, account, address round trip and invalidCredentials all as documented");
