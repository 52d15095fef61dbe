-- one
CREATE TABLE one (x TEXT);
