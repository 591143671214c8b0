ALTER TABLE `leads` ADD `postal_code` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `property_address` text;