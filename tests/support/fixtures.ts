// Test data made through the owner connection, the way the platform makes it: users are
// inserted into auth.users (GoTrue's table), and the sign-up trigger creates public.users.
import { ownerDb, userJwt } from "./stack.ts";

type Sql = ReturnType<typeof ownerDb>;

export interface TestUser {
  id: string;
  jwt: string;
}

export async function createUser(
  sql: Sql,
  opts: { tier?: "free" | "trial" | "premium" | "pro"; admin?: boolean; subscriptionDays?: number } = {},
): Promise<TestUser> {
  const id = crypto.randomUUID();
  const appMetadata = opts.admin ? { provider: "email", role: "admin" } : { provider: "email" };
  await sql`insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, email_confirmed_at)
            values (${id}, 'authenticated', 'authenticated', ${`u-${id.slice(0, 8)}@example.com`},
                    ${sql.json(appMetadata)}, '{}'::jsonb, now())`;
  if (opts.tier && opts.tier !== "free") {
    const days = opts.subscriptionDays ?? 30;
    await sql`update public.users set user_tier = ${opts.tier},
              subscription_end = case when ${opts.tier} in ('premium', 'pro') then now() + make_interval(days => ${days}) end
              where id = ${id}`;
  }
  return { id, jwt: await userJwt(id, { app_metadata: appMetadata }) };
}

/** `n` cached videos (short YouTube-like ids); returns their row ids. */
export async function createVideos(sql: Sql, n: number, titlePrefix = "video"): Promise<string[]> {
  const tag = crypto.randomUUID().slice(0, 8);
  const rows = await sql`
    insert into public.cached_videos (video_id, title, description, channel_id, published_at, duration_seconds)
    select ${tag} || '-' || i, ${titlePrefix} || ' ' || i, '', 'chan-' || ${tag}, now() - (i || ' hours')::interval, 60
    from generate_series(1, ${n}) i
    returning id`;
  return rows.map((r) => r.id as string);
}
