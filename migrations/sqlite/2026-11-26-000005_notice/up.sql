-- The results notice (公示), objections to it, and the projects finalisation creates.

CREATE TABLE notices (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL UNIQUE REFERENCES calls(id),
    title TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users(id),
    -- The period ends at 24:00 local time on this date.
    ends_on DATE NOT NULL,
    days INTEGER NOT NULL,
    working_days BOOLEAN NOT NULL
);

CREATE TABLE objections (
    id INTEGER PRIMARY KEY NOT NULL,
    notice_id BIGINT NOT NULL REFERENCES notices(id),
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    text TEXT NOT NULL,
    ip TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'upheld', 'dismissed')),
    reply TEXT,
    cancel_funding BOOLEAN,
    answered_by BIGINT REFERENCES users(id),
    answered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX objections_notice ON objections(notice_id, status);
CREATE INDEX objections_ip ON objections(ip, created_at);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls(id),
    bid_id BIGINT NOT NULL UNIQUE REFERENCES bids(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    agreement_no TEXT NOT NULL UNIQUE,
    approved BIGINT NOT NULL CHECK (approved >= 0),
    paid BIGINT NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid <= approved),
    status TEXT NOT NULL,
    signed_on DATE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE project_tranches (
    id INTEGER PRIMARY KEY NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq INTEGER NOT NULL,
    pct INTEGER NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    UNIQUE (project_id, seq)
);
