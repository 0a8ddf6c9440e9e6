-- Feature tables: the academy's AI mentor (ai_mentor_chats and the courses, module topics and prompt
-- variants it references), the student "guru" agents and the employee "twin". The specifications' org_id is
-- our account (FK accounts); their user_profiles is our users table.
-- Interaction rows are written by the server; their user may only change the feedback columns.

-- ---------------------------------------------------------------------------------------------------
-- courses, module_topics, ai_prompt_variants (referenced by ai_mentor_chats; account content managed
-- by members with manage_instances)
-- ---------------------------------------------------------------------------------------------------
create table public.courses (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  title text not null check (length(btrim(title)) > 0),
  description text,
  status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint courses_id_account_key unique (id, account_id)
);
create index idx_courses_account on public.courses (account_id, created_at desc);
create trigger courses_set_updated_at before update on public.courses
  for each row execute function private.set_updated_at();

comment on table public.courses is 'Academy courses of an account (referenced by ai_mentor_chats.course_id).';
comment on column public.courses.status is 'Publication status: draft|published|archived.';

create table public.module_topics (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  course_id uuid not null,
  title text not null check (length(btrim(title)) > 0),
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint module_topics_course_fkey foreign key (course_id, account_id)
    references public.courses (id, account_id) on delete cascade
);
create index idx_module_topics_course on public.module_topics (course_id, account_id, position);
create index idx_module_topics_account on public.module_topics (account_id);
create trigger module_topics_set_updated_at before update on public.module_topics
  for each row execute function private.set_updated_at();

comment on table public.module_topics is 'Course topics (module topics) of a course (referenced by ai_mentor_chats.topic_id).';
comment on column public.module_topics.account_id is 'Owning account (the course''s account).';
comment on column public.module_topics.course_id is 'Course the topic belongs to.';
comment on column public.module_topics.position is 'Order within the course.';

create table public.ai_prompt_variants (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  name text not null,
  system_prompt text not null,
  weight integer not null default 1 check (weight >= 0),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ai_prompt_variants_account_name_key unique (account_id, name)
);
create trigger ai_prompt_variants_set_updated_at before update on public.ai_prompt_variants
  for each row execute function private.set_updated_at();

comment on table public.ai_prompt_variants is 'A/B testing prompt variants for the AI mentor (referenced by ai_mentor_chats.prompt_variant_id).';
comment on column public.ai_prompt_variants.name is 'Variant name, unique per account.';
comment on column public.ai_prompt_variants.system_prompt is 'The prompt this variant uses.';
comment on column public.ai_prompt_variants.weight is 'Relative share of traffic in the A/B test.';
comment on column public.ai_prompt_variants.is_active is 'Whether the variant is served.';

-- ---------------------------------------------------------------------------------------------------
-- ai_mentor_chats (the AI Mentor specification) + account_id
-- ---------------------------------------------------------------------------------------------------
create table public.ai_mentor_chats (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  topic_id uuid references public.module_topics (id) on delete set null,
  course_id uuid references public.courses (id) on delete set null,
  question text not null,
  response text not null,
  conversation_context jsonb default '[]'::jsonb,
  tokens_used integer not null default 0,
  response_time_ms integer not null default 0,
  model text not null default 'gpt-4o-mini'::text,
  cost_usd numeric default 0,
  student_rating integer check (student_rating between 1 and 5),
  student_feedback text,
  flagged_for_review boolean default false,
  escalated_to_trainer boolean default false,
  escalation_reason text,
  created_at timestamptz default now(),
  rated_at timestamptz,
  escalated_at timestamptz,
  prompt_variant_id uuid references public.ai_prompt_variants (id) on delete set null,
  question_hash text,
  account_id uuid not null references public.accounts (id) on delete cascade
);
create index idx_ai_mentor_chats_user_id on public.ai_mentor_chats (user_id);
create index idx_ai_mentor_chats_topic_id on public.ai_mentor_chats (topic_id);
create index idx_ai_mentor_chats_course_id on public.ai_mentor_chats (course_id);
create index idx_ai_mentor_chats_created_at on public.ai_mentor_chats (created_at desc);
create index idx_ai_mentor_chats_flagged on public.ai_mentor_chats (flagged_for_review) where flagged_for_review = true;
create index idx_ai_mentor_chats_escalated on public.ai_mentor_chats (escalated_to_trainer) where escalated_to_trainer = true;
create index idx_mentor_chats_prompt_variant on public.ai_mentor_chats (prompt_variant_id);
create index idx_mentor_chats_question_hash on public.ai_mentor_chats (question_hash);
create index idx_ai_mentor_chats_account_created on public.ai_mentor_chats (account_id, created_at desc);

comment on table public.ai_mentor_chats is 'Core table for AI Mentor interactions in the Academy module, tracking questions, responses, ratings, and escalations. Written by the server; the student updates only the rating/feedback/escalation-request columns.';
comment on column public.ai_mentor_chats.user_id is 'Student who asked the question.';
comment on column public.ai_mentor_chats.question is 'Student''s question to the AI Mentor.';
comment on column public.ai_mentor_chats.response is 'AI Mentor''s response.';
comment on column public.ai_mentor_chats.conversation_context is 'Previous messages for multi-turn conversations.';
comment on column public.ai_mentor_chats.response_time_ms is 'Time taken to generate response in milliseconds.';
comment on column public.ai_mentor_chats.student_rating is 'Student rating, 1-5 (thumbs down = 1, thumbs up = 5).';
comment on column public.ai_mentor_chats.flagged_for_review is 'Whether this chat needs human review.';
comment on column public.ai_mentor_chats.escalated_to_trainer is 'Whether this was escalated to a human trainer.';
comment on column public.ai_mentor_chats.created_at is 'Timestamp when the chat occurred.';
comment on column public.ai_mentor_chats.prompt_variant_id is 'A/B testing variant used for this response.';
comment on column public.ai_mentor_chats.question_hash is 'Hash of question for pattern detection.';
comment on column public.ai_mentor_chats.account_id is 'Account (academy) the chat belongs to (tenant; not in the AI Mentor specification).';

-- ---------------------------------------------------------------------------------------------------
-- guru_interactions (the Guru specification)
-- ---------------------------------------------------------------------------------------------------
create table public.guru_interactions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.accounts (id) on delete cascade,
  student_id uuid not null references public.users (id) on delete cascade,
  agent_type text not null check (agent_type ~ '^[a-z][a-z0-9_]*$'),
  conversation_id text,
  input jsonb not null,
  output jsonb not null,
  was_helpful boolean,
  user_feedback text,
  model_used text not null,
  tokens_used integer not null default 0,
  cost_usd numeric not null default 0,
  latency_ms integer not null default 0,
  created_at timestamptz not null default now()
);
create index idx_guru_interactions_student on public.guru_interactions (student_id, created_at desc);
create index idx_guru_interactions_agent_type on public.guru_interactions (agent_type, created_at desc);
create index idx_guru_interactions_conversation on public.guru_interactions (conversation_id) where conversation_id is not null;
create index idx_guru_interactions_org on public.guru_interactions (org_id, created_at desc);

comment on table public.guru_interactions is 'Tracks interactions with AI Guru agents that provide domain-specific guidance to students. Written by the server; the student updates only was_helpful and user_feedback.';
comment on column public.guru_interactions.org_id is 'Organization context (the account).';
comment on column public.guru_interactions.student_id is 'Student interacting with the Guru.';
comment on column public.guru_interactions.agent_type is 'Type of Guru agent (e.g. career_guru, tech_guru): lower-case snake_case.';
comment on column public.guru_interactions.conversation_id is 'Session/conversation identifier for grouping.';
comment on column public.guru_interactions.input is 'Student''s input/question as structured data.';
comment on column public.guru_interactions.output is 'Guru''s response as structured data.';
comment on column public.guru_interactions.was_helpful is 'Student feedback on helpfulness.';
comment on column public.guru_interactions.created_at is 'Timestamp when interaction occurred.';

-- ---------------------------------------------------------------------------------------------------
-- employee_twin_interactions (the Employee Twin specification); cost_usd numeric where it has double precision
-- ---------------------------------------------------------------------------------------------------
create table public.employee_twin_interactions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.accounts (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  twin_role text not null,
  interaction_type text not null,
  prompt text,
  response text not null,
  context jsonb default '{}'::jsonb,
  model_used text default 'gpt-4o-mini'::text,
  tokens_used integer,
  cost_usd numeric,
  latency_ms integer,
  was_helpful boolean,
  user_feedback text,
  dismissed boolean default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create index idx_employee_twin_interactions_user on public.employee_twin_interactions (user_id, created_at desc);
create index idx_employee_twin_interactions_type on public.employee_twin_interactions (interaction_type);
create index idx_employee_twin_interactions_role on public.employee_twin_interactions (twin_role);
create index idx_employee_twin_interactions_org on public.employee_twin_interactions (org_id, created_at desc);
create trigger employee_twin_interactions_set_updated_at before update on public.employee_twin_interactions
  for each row execute function private.set_updated_at();

comment on table public.employee_twin_interactions is 'AI Twin interactions with employee records. Written by the server; the employee updates only was_helpful, user_feedback and dismissed.';
comment on column public.employee_twin_interactions.org_id is 'Organization identifier (the account).';
comment on column public.employee_twin_interactions.user_id is 'User profile reference.';
comment on column public.employee_twin_interactions.cost_usd is 'USD (numeric; the Employee Twin specification has double precision).';

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants
-- ---------------------------------------------------------------------------------------------------
alter table public.courses enable row level security;
alter table public.module_topics enable row level security;
alter table public.ai_prompt_variants enable row level security;
alter table public.ai_mentor_chats enable row level security;
alter table public.guru_interactions enable row level security;
alter table public.employee_twin_interactions enable row level security;

revoke all on public.courses, public.module_topics, public.ai_prompt_variants, public.ai_mentor_chats,
  public.guru_interactions, public.employee_twin_interactions from anon, authenticated;
grant all on public.courses, public.module_topics, public.ai_prompt_variants, public.ai_mentor_chats,
  public.guru_interactions, public.employee_twin_interactions to service_role;

-- Academy content: members read; manage_instances manages.
grant select, insert, update, delete on public.courses, public.module_topics, public.ai_prompt_variants to authenticated;

create policy "courses: members read" on public.courses for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "courses: instance managers add" on public.courses for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "courses: instance managers change" on public.courses for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "courses: instance managers remove" on public.courses for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "module_topics: members read" on public.module_topics for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "module_topics: instance managers add" on public.module_topics for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "module_topics: instance managers change" on public.module_topics for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "module_topics: instance managers remove" on public.module_topics for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "ai_prompt_variants: members read" on public.ai_prompt_variants for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "ai_prompt_variants: instance managers add" on public.ai_prompt_variants for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "ai_prompt_variants: instance managers change" on public.ai_prompt_variants for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "ai_prompt_variants: instance managers remove" on public.ai_prompt_variants for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

-- Interaction logs: view_history reads the account's rows, a user reads their own; the user updates
-- only the feedback columns of their own rows (column grants + the policies below).
grant select on public.ai_mentor_chats, public.guru_interactions, public.employee_twin_interactions to authenticated;
grant update (student_rating, student_feedback, rated_at, escalated_to_trainer, escalation_reason, escalated_at)
  on public.ai_mentor_chats to authenticated;
grant update (was_helpful, user_feedback) on public.guru_interactions to authenticated;
grant update (was_helpful, user_feedback, dismissed) on public.employee_twin_interactions to authenticated;

create policy "ai_mentor_chats: history readers and the student read" on public.ai_mentor_chats for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('view_history'))
    or (user_id = (select auth.uid()) and account_id in (select private.member_accounts()))
  );
create policy "ai_mentor_chats: the student gives feedback" on public.ai_mentor_chats for update to authenticated
  using (user_id = (select auth.uid()) and account_id in (select private.member_accounts()))
  with check (user_id = (select auth.uid()) and account_id in (select private.member_accounts()));

create policy "guru_interactions: history readers and the student read" on public.guru_interactions for select to authenticated
  using (
    org_id in (select private.accounts_with_permission('view_history'))
    or (student_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  );
create policy "guru_interactions: the student gives feedback" on public.guru_interactions for update to authenticated
  using (student_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  with check (student_id = (select auth.uid()) and org_id in (select private.member_accounts()));

create policy "employee_twin_interactions: history readers and the user read" on public.employee_twin_interactions
  for select to authenticated
  using (
    org_id in (select private.accounts_with_permission('view_history'))
    or (user_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  );
create policy "employee_twin_interactions: the user gives feedback" on public.employee_twin_interactions
  for update to authenticated
  using (user_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  with check (user_id = (select auth.uid()) and org_id in (select private.member_accounts()));
