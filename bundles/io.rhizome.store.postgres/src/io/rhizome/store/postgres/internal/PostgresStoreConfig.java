package io.rhizome.store.postgres.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Rhizome durable store (PostgreSQL)",
        description = "A hub's replica store in a PostgreSQL database that several hub processes may share. Used "
                + "when the framework property rhizome.store is 'postgres' (the MapDB store then stays closed).")
public @interface PostgresStoreConfig {

    @AttributeDefinition(name = "JDBC URL",
            description = "The database, as jdbc:postgresql://host:port/database (several hosts for a failover "
                    + "pair: jdbc:postgresql://a:5432,b:5432/rhizome?targetServerType=primary). Never put the "
                    + "password here; use the password file.")
    String url();

    @AttributeDefinition(name = "User", description = "The database role the store logs in as.")
    String user() default "rhizome";

    @AttributeDefinition(name = "Password file",
            description = "A file holding the role's password (one line; a trailing newline is ignored). Empty: "
                    + "no password (peer or trust authentication, or a ~/.pgpass the driver reads).")
    String passwordFile() default "";

    @AttributeDefinition(name = "Password environment variable",
            description = "Used when no password file is named: the name of an environment variable of the process "
                    + "that holds the role's password (the launcher sets RHIZOME_PG_PASSWORD here). Empty: none.")
    String passwordEnv() default "";

    @AttributeDefinition(name = "Connections", description = "How many connections this process keeps open.",
            min = "1", max = "64")
    int connections() default PostgresSettings.DEFAULT_CONNECTIONS;

    @AttributeDefinition(name = "Connect timeout (s)", description = "How long opening one connection may take.",
            min = "1")
    int connectTimeoutSeconds() default 30;
}
