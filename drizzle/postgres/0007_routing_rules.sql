ALTER TABLE "lead_sources" ADD COLUMN "rr_credits" text;--> statement-breakpoint
ALTER TABLE "lead_sources" ADD COLUMN "match_service_area" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "lead_sources" ADD COLUMN "widen_after_rounds" integer;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "halt_after_missed_offers" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "time_zone" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "working_hours" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "routing_weight" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "daily_lead_cap" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "service_areas" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "missed_offers" integer DEFAULT 0 NOT NULL;