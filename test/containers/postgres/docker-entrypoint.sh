#!/usr/bin/env bash
# docker-entrypoint.sh of the postgres:15-bookworm stand-in (test/containers):
# what our image's files rely on from the official image's entrypoint.
#
#   docker-entrypoint.sh postgres [ARGS...]     (or ARGS starting with '-': postgres is put first)
#
#  * as root: makes PGDATA and /var/run/postgresql the postgres user's, then
#    runs itself again as that user (gosu); as any other user it goes on as that user;
#  * POSTGRES_PASSWORD, POSTGRES_USER (default postgres), POSTGRES_DB (default
#    the user's name), POSTGRES_INITDB_ARGS, each also as *_FILE (the value
#    read from that file), POSTGRES_HOST_AUTH_METHOD (default scram-sha-256);
#  * an empty PGDATA: initdb with that superuser and password (none: refuses
#    to start, unless POSTGRES_HOST_AUTH_METHOD=trust), "host all all all
#    scram-sha-256" appended to pg_hba.conf, a temporary server started with
#    ARGS but on its socket only (listen_addresses=''), POSTGRES_DB created,
#    /docker-entrypoint-initdb.d/ run in name order (*.sh executed, or sourced
#    when not executable; *.sql through psql as POSTGRES_USER in
#    POSTGRES_DB), the temporary server stopped;
#  * a PGDATA holding a database: none of that (the scripts run once);
#  * then exec postgres ARGS, as the postgres user.
# Anything else than postgres is simply executed.
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR from VAR or VAR_FILE (not both), exported
file_env() {
    local var=$1 fileVar="${1}_FILE" def=${2:-} val
    if [[ -n ${!var:-} && -n ${!fileVar:-} ]]; then
        echo "error: both $var and $fileVar are set (but are exclusive)" >&2
        exit 1
    fi
    val=$def
    if [[ -n ${!var:-} ]]; then
        val=${!var}
    elif [[ -n ${!fileVar:-} ]]; then
        val=$(<"${!fileVar}")
    fi
    export "$var"="$val"
    unset "$fileVar"
}

setup_env() {
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
    DATABASE_ALREADY_EXISTS=
    [[ -s $PGDATA/PG_VERSION ]] && DATABASE_ALREADY_EXISTS=true
    return 0
}

create_directories() {
    mkdir -p "$PGDATA"
    chmod 0700 "$PGDATA" || :
    mkdir -p /var/run/postgresql || :
    chmod 3775 /var/run/postgresql || :
    if (($(id -u) == 0)); then
        find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
        find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
    fi
}

init_database() {
    if [[ -z ${POSTGRES_PASSWORD:-} && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
        echo "error: the database is uninitialized and no superuser password is given" \
             "(POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE)" >&2
        exit 1
    fi
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of options
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        $POSTGRES_INITDB_ARGS
    printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
}

process_sql() {
    PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

temp_server_start() {
    [[ ${1:-} == postgres ]] && shift
    set -- "$@" -c listen_addresses= -p "${PGPORT:-5432}"
    PGUSER=${PGUSER:-$POSTGRES_USER} pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

temp_server_stop() {
    PGUSER=${PGUSER:-postgres} pg_ctl -D "$PGDATA" -m fast -w stop
}

run_init_files() {
    local f
    for f in /docker-entrypoint-initdb.d/*; do
        case $f in
            *.sh)
                if [[ -x $f ]]; then
                    echo "$0: running $f"
                    "$f"
                else
                    echo "$0: sourcing $f"
                    # shellcheck disable=SC1090
                    . "$f"
                fi ;;
            *.sql) echo "$0: running $f"; process_sql --dbname "$POSTGRES_DB" -f "$f" ;;
            */\*) ;;
            *) echo "$0: ignoring $f" ;;
        esac
    done
}

main() {
    if [[ ${1:0:1} == - ]]; then
        set -- postgres "$@"
    fi
    if [[ $1 == postgres ]]; then
        setup_env
        create_directories
        if (($(id -u) == 0)); then
            exec gosu postgres "${BASH_SOURCE[0]}" "$@"
        fi
        if [[ -z $DATABASE_ALREADY_EXISTS ]]; then
            init_database
            export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
            temp_server_start "$@"
            if [[ $POSTGRES_DB != postgres ]]; then
                process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
            fi
            run_init_files
            temp_server_stop
            unset PGPASSWORD
            echo "PostgreSQL init process complete; ready for start up."
        else
            echo "PostgreSQL Database directory appears to contain a database; Skipping initialization"
        fi
    fi
    exec "$@"
}

main "$@"
