-- CLI transcripts (up to 1 MB each) are pruned with heartbeat runs: by their start.
create index cli_transcripts_started on cli_transcripts (started_at) where finished_at is not null;
