-- Rasa's conversations live in a database of their own (Rasa's SQL tracker store and an SQL event broker would
-- both want a table "events"; our encrypted store uses "conversation_events").
CREATE DATABASE consumer_bot_tracker;
