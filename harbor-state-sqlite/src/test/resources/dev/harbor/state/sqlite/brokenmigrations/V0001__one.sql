-- first
CREATE TABLE one (a TEXT NOT NULL);
