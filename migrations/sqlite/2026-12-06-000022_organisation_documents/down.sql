DROP TABLE organisation_documents;
