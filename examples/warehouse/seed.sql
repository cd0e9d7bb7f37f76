-- A tiny sample warehouse for the quickstart and the sync examples. `npx tsx examples/warehouse/build.ts`
-- rebuilds warehouse.db from this file.
CREATE TABLE custom_events (
  key         TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT,
  category    TEXT
);
INSERT INTO custom_events (key, name, description, category) VALUES
  ('newsletter_signup', 'Newsletter signup', 'Subscribed to the newsletter', 'sign_up'),
  ('wishlist_add',      'Wishlist add',      'Added a product to the wishlist', 'save'),
  ('support_contact',   'Support contact',   'Opened a support conversation', 'other');

CREATE TABLE attributes (
  key         TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT
);
INSERT INTO attributes (key, name, description) VALUES
  ('loyalty_tier', 'Loyalty tier', 'bronze, silver or gold'),
  ('lifetime_value_band', 'Lifetime value band', 'Bucketed customer lifetime value');

CREATE TABLE audiences (
  name        TEXT PRIMARY KEY,
  conditions  TEXT,
  description TEXT
);
INSERT INTO audiences (name, conditions, description) VALUES
  ('Gold members', '["and", {"type": "custom_attribute", "name": "loyalty_tier", "match_type": "exact", "value": "gold"}]', 'Loyalty tier is gold'),
  ('Everyone', NULL, 'No conditions: the default audience conditions apply');

CREATE TABLE vip_users (
  user_id    TEXT PRIMARY KEY,
  added_at   TEXT NOT NULL
);
INSERT INTO vip_users (user_id, added_at) VALUES
  ('user-1001', '2025-01-10'),
  ('user-1002', '2025-01-11'),
  ('user-1003', '2025-02-01'),
  ('user-1004', '2025-02-14'),
  ('user-1005', '2025-03-03');
