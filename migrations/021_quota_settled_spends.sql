-- A write's spend of GitHub's content windows is settled by its answer (issue 16). GitHub
-- counts a request when it reaches it, which can be long after the spend was asked for
-- (Probot's throttle queues an installation's writes one at a time), and a request it
-- refused for a limit created nothing. So a spend asked with `pendingMs` is recorded that
-- far ahead of the ask (it counts as made as late as it could be, while its request is on
-- its way), and its answer settles it by `holder`: stamped with the answer's time once
-- GitHub answered, or deleted when GitHub refused it for a limit (the retry asks again).
-- A spend whose replica died before the answer lapses a window after its provisional time.
alter table quota_spends add column holder text;
create index quota_spends_holder on quota_spends (holder) where holder is not null;

-- As in 018, but a window spend records its asker as `holder` and starts `pendingMs` ahead.
create or replace function quota_take(p_specs jsonb, p_waiter text, p_rank double precision, p_reserve double precision, p_hold_ms integer, p_waiter_ms integer)
returns table (granted boolean, short text[], retry_at timestamptz)
language plpgsql as $$
declare
  spec jsonb;
  b quota_buckets%rowtype;
  t timestamptz := clock_timestamp();
  cost double precision;
  available double precision;
  used double precision;
  soonest timestamptz;
  shortkeys text[] := '{}';
  retry timestamptz := null;
begin
  for spec in select value from jsonb_array_elements(p_specs) order by value->>'key' loop
    insert into quota_buckets (key, kind, capacity, window_ms)
    values (spec->>'key', spec->>'kind', (spec->>'capacity')::double precision, (spec->>'windowMs')::integer)
    on conflict (key) do nothing;
    select * into b from quota_buckets where key = spec->>'key' for update;
    -- A configured limit can change between starts; GitHub's reported one only from its headers.
    if b.kind <> 'reported' and (b.capacity <> (spec->>'capacity')::double precision or b.window_ms <> (spec->>'windowMs')::integer) then
      update quota_buckets set capacity = (spec->>'capacity')::double precision, window_ms = (spec->>'windowMs')::integer where key = b.key
      returning * into b;
    end if;
    cost := (spec->>'cost')::double precision;
    if b.paused_until is not null and b.paused_until > t then
      shortkeys := shortkeys || b.key;
      retry := greatest(retry, b.paused_until);
      continue;
    end if;
    if exists (select 1 from quota_waiters w where w.bucket = b.key and w.rank < p_rank and w.expires_at > t and w.waiter <> p_waiter) then
      shortkeys := shortkeys || b.key;
      retry := greatest(retry, t + make_interval(secs => p_waiter_ms / 4000.0));
      continue;
    end if;
    if b.kind = 'reported' then
      if b.reset_at is null or b.reset_at <= t then
        update quota_buckets set remaining = capacity, reset_at = t + make_interval(secs => window_ms / 1000.0) where key = b.key returning * into b;
      end if;
      available := b.remaining;
      soonest := b.reset_at;
    elsif b.kind = 'window' then
      delete from quota_spends s where s.bucket = b.key and s.at <= t - make_interval(secs => b.window_ms / 1000.0);
      select coalesce(sum(s.cost), 0), min(s.at) into used, soonest from quota_spends s where s.bucket = b.key;
      available := b.capacity - used;
      soonest := soonest + make_interval(secs => b.window_ms / 1000.0);
    else
      delete from quota_holds h where h.bucket = b.key and h.expires_at <= t;
      select count(*), min(h.expires_at) into used, soonest from quota_holds h where h.bucket = b.key;
      available := b.capacity - used;
    end if;
    -- The reserve keeps the last part of a bucket (whole units) for better-ranked work; an ask larger
    -- than the whole bucket goes through alone rather than never.
    if available - cost < floor(p_reserve * b.capacity) and not (cost > b.capacity and available >= b.capacity) then
      shortkeys := shortkeys || b.key;
      retry := greatest(retry, coalesce(soonest, t + make_interval(secs => p_waiter_ms / 4000.0)));
    end if;
  end loop;

  if cardinality(shortkeys) > 0 then
    update quota_buckets set waits = waits + 1 where key = any(shortkeys);
    insert into quota_waiters (bucket, waiter, rank, expires_at)
    select k, p_waiter, p_rank, t + make_interval(secs => p_waiter_ms / 1000.0) from unnest(shortkeys) k
    on conflict (bucket, waiter) do update set rank = excluded.rank, expires_at = excluded.expires_at;
    return query select false, shortkeys, retry;
    return;
  end if;

  for spec in select value from jsonb_array_elements(p_specs) loop
    cost := (spec->>'cost')::double precision;
    if spec->>'kind' = 'reported' then
      update quota_buckets set remaining = remaining - cost, spent = spent + 1, updated_at = t where key = spec->>'key';
    elsif spec->>'kind' = 'window' then
      insert into quota_spends (bucket, at, cost, holder)
      values (spec->>'key', t + make_interval(secs => coalesce((spec->>'pendingMs')::double precision, 0) / 1000.0), cost, p_waiter);
      update quota_buckets set spent = spent + 1, updated_at = t where key = spec->>'key';
    else
      insert into quota_holds (bucket, holder, expires_at) values (spec->>'key', p_waiter, t + make_interval(secs => p_hold_ms / 1000.0))
      on conflict (bucket, holder) do update set expires_at = excluded.expires_at;
      update quota_buckets set spent = spent + 1, updated_at = t where key = spec->>'key';
    end if;
  end loop;
  delete from quota_waiters w where w.waiter = p_waiter;
  return query select true, '{}'::text[], null::timestamptz;
end
$$;
