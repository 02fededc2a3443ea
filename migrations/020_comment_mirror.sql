-- The comments of each item the mirror has seen, from `issue_comment` webhooks, from reads
-- and from what the app wrote, so a run reads from GitHub only what changed since its last
-- read (`since`), or nothing while the mirror is fresh (issue 17). A deleted comment stays
-- as a tombstone (`deleted_at`) so that a read or a late webhook in flight cannot bring it
-- back; tombstones are pruned with old deliveries. The rows go with their item.
create table item_comments (
  repository  text not null,
  number      integer not null,
  id          bigint not null,
  author      text,
  author_type text,
  body        text not null,
  -- GitHub's time of the comment's last edit: a version is never replaced by an older one.
  updated_at  timestamptz not null,
  -- When the mirror first had the comment (Postgres's clock): a whole read that started
  -- later and does not list it proves it deleted.
  recorded_at timestamptz not null default now(),
  deleted_at  timestamptz,
  primary key (repository, id),
  foreign key (repository, number) references work_items (repository, number) on delete cascade
);
create index item_comments_item on item_comments (repository, number);
create index item_comments_deleted on item_comments (deleted_at) where deleted_at is not null;

-- comments_read_until: the newest `updated_at` (GitHub's clock) a read of the item's comments
-- returned; the next read asks `since` it. Only reads move it: a webhook's comment may be
-- newer than one whose webhook was lost. Null: never read, the next read lists them all.
-- comments_confirmed_at: when a read last confirmed the mirror's comments.
-- github_comment_count: GitHub's count of the item's comments in the payload or read that
-- last wrote the row (null when it carried none), raised by one for each comment the app
-- creates: when it equals the comments mirrored, the row's confirmation confirms them too.
alter table work_items
  add column comments_read_until timestamptz,
  add column comments_confirmed_at timestamptz,
  add column github_comment_count integer;
