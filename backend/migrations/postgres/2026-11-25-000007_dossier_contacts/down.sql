DROP TABLE dossier_contacts;
