// Register, log in and ask who am I, through a client generated from the live schema: `openapi-typescript`
// writes the schema's types to schema.d.ts, `openapi-fetch` calls the API with them. `tsc --strict` checks
// this file against those types, and the contract test runs it against a live server.
//
//     node dist/flow.js <base URL> <email> <password>
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Me = components["schemas"]["UserMeOutput"];

async function main(): Promise<void> {
  const [baseUrl, email, password] = process.argv.slice(2);
  const client = createClient<paths>({ baseUrl });

  // Public: no credentials.
  const registered = await client.POST("/api/users/", { body: { email, password } });
  if (registered.response.status !== 202 || registered.data === undefined) {
    throw new Error(`register: ${registered.response.status} ${JSON.stringify(registered.error)}`);
  }

  const login = await client.POST("/api/auth/login/", { body: { email, password } });
  if (login.data === undefined) {
    throw new Error(`login: ${login.response.status} ${JSON.stringify(login.error)}`);
  }
  const token: string = login.data.token;

  // The token in the scheme the schema declares: HTTP bearer.
  const me = await client.GET("/api/users/me/", { headers: { Authorization: `Bearer ${token}` } });
  if (me.data === undefined) {
    throw new Error(`me: ${me.response.status} ${JSON.stringify(me.error)}`);
  }
  const user: Me = me.data;

  // A typed error: the 401 body's message, with no token.
  const anonymous = await client.GET("/api/users/me/");
  const refused: string | undefined = anonymous.error?.message;

  // The schema's types are real: a body without a password does not compile.
  // @ts-expect-error the password is required
  const incomplete: paths["/api/users/"]["post"]["requestBody"]["content"]["application/json"] = { email };
  void incomplete;

  console.log(JSON.stringify({ registered: registered.data.email, me: user.email, anonymous: refused ?? null }));
}

await main();
