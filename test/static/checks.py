#!/usr/bin/python3
"""checks.py — the semantic checks of test/static/run (Python 3 + python3-yaml).

    checks.py compose ROOT                 compose.yaml, as `docker-compose config` resolves it
    checks.py k8s ROOT RENDERED            the objects `kubectl kustomize ROOT/k8s` rendered
    checks.py job ROOT RENDERED            k8s/jobs/daily-sales-report-once.yaml against the CronJob
    checks.py dockerfile ROOT              docker/Dockerfile: stages, images, apt hygiene
    checks.py prometheus-compose ROOT DIR  lay out the compose Prometheus config + rules in DIR
    checks.py prometheus-k8s RENDERED DIR  lay out the k8s Prometheus ConfigMaps in DIR
    checks.py grafana-configmap ROOT       print k8s/monitoring/grafana-dashboard.yaml as it must be
    checks.py alerting ROOT RENDERED DIR   the rules' categories and the three Alertmanager configs
                                           (demo, compose, k8s), laid out in DIR as demo.yml,
                                           compose.yml, k8s.yml for amtool

Every check prints one line, "ok - NAME" or "not ok - NAME: why"; the exit
status is 1 if any failed.  test/static/run counts the lines.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import yaml

RESULTS = []


def check(name, condition, why=""):
    RESULTS.append(bool(condition))
    if condition:
        print("ok - %s" % name)
    else:
        print("not ok - %s%s" % (name, ": " + why if why else ""))
    sys.stdout.flush()
    return bool(condition)


def finish():
    return 0 if all(RESULTS) else 1


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def arg_value(args, flag):
    """The value of --flag=value or -c flag=value style settings in an argv list."""
    for i, arg in enumerate(args):
        if arg.startswith(flag + "="):
            return arg[len(flag) + 1:]
        if arg == "-c" and i + 1 < len(args) and args[i + 1].startswith(flag + "="):
            return args[i + 1][len(flag) + 1:]
    return None


def under(path, directory):
    path, directory = os.path.normpath(path), os.path.normpath(directory)
    return path == directory or path.startswith(directory.rstrip("/") + "/")


IMAGE_TAG = re.compile(r"^(?P<name>[^@]+?)(?::(?P<tag>[\w][\w.-]*))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


def image_parts(image):
    """(name, tag, digest) of an image reference; a registry port is not a tag."""
    match = IMAGE_TAG.match(image or "")
    if not match:
        return None, None, None
    name, tag, digest = match.group("name"), match.group("tag"), match.group("digest")
    if tag is None and ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest


OUR_IMAGE = "daily-sales-report/postgres"


def check_image(where, image):
    name, tag, digest = image_parts(image)
    ok = name is not None and tag not in (None, "latest")
    check("%s: image %s has a version tag (not latest)" % (where, image), ok)
    if name and not name.endswith(OUR_IMAGE):
        check("%s: third-party image %s is pinned by digest" % (where, image), digest is not None)


# --------------------------------------------------------------------------- compose

def compose_config(root, env=None):
    argv = ["docker-compose", "--project-directory", root, "-f", os.path.join(root, "compose.yaml"),
            "--profile", "batch", "--profile", "dashboard", "config"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    # the shell's REPORT_DATE etc. would change what is checked
    for key in ("REPORT_DATE", "DSR_IMAGE", "POSTGRES_PORT", "PUSHGATEWAY_PORT", "PROMETHEUS_PORT",
                "DSR_CRON_SCHEDULE", "DSR_TIMEZONE", "DSR_DEMO_SHOP", "PUSHGATEWAY_IMAGE",
                "PROMETHEUS_IMAGE", "POSTGRES_EXPORTER_IMAGE", "ALERTMANAGER_IMAGE", "ALERTMANAGER_PORT",
                "GRAFANA_IMAGE", "GRAFANA_PORT"):
        environment.pop(key, None)
    environment.update(env or {})
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                            cwd=root)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    return yaml.safe_load(result.stdout)


def volume_list(service):
    """[(source, target, read_only)] of a service's volumes (long or short syntax)."""
    out = []
    for volume in service.get("volumes", []) or []:
        if isinstance(volume, dict):
            out.append((volume.get("source"), volume.get("target"), bool(volume.get("read_only"))))
        else:
            parts = volume.split(":")
            out.append((parts[0], parts[1] if len(parts) > 1 else parts[0], len(parts) > 2 and "ro" in parts[2]))
    return out


def mount_source(service, container_path):
    """The host source of the volume that holds container_path (the deepest mount)."""
    best = None
    for source, target, _ in volume_list(service):
        if target and under(container_path, target) and (best is None or len(target) > len(best[1])):
            best = (source, target)
    if best is None:
        return None
    relative = os.path.relpath(container_path, best[1])
    return os.path.normpath(os.path.join(best[0], relative)) if relative != "." else best[0]


def env_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def secret_targets(service):
    targets = []
    for secret in service.get("secrets", []) or []:
        if isinstance(secret, dict):
            targets.append(secret.get("target") or "/run/secrets/" + secret["source"])
        else:
            targets.append("/run/secrets/" + secret)
    return targets


def depends_condition(service, other):
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return "service_started" if other in depends else None
    entry = depends.get(other)
    return (entry or {}).get("condition", "service_started") if entry is not None else None


def command_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else value.split()


def cmd_compose(root):
    root = os.path.abspath(root)
    volumes_dir = os.path.join(root, ".docker_volumes")
    try:
        config = compose_config(root)
    except RuntimeError as error:
        check("compose: docker-compose config resolves compose.yaml", False, str(error))
        return finish()
    check("compose: docker-compose config resolves compose.yaml", True)
    services = config.get("services", {})
    for name in ("setup", "postgres", "pushgateway", "prometheus", "postgres-exporter", "batch"):
        check("compose: service %s exists" % name, name in services)
    if not all(n in services for n in ("postgres", "pushgateway", "prometheus", "postgres-exporter", "batch")):
        return finish()
    pg, pgw, prom, exporter, batch = (services[n] for n in
                                      ("postgres", "pushgateway", "prometheus", "postgres-exporter", "batch"))

    for name, service in sorted(services.items()):
        check_image("compose %s" % name, service.get("image"))

    # postgres
    args = command_list(pg.get("command"))
    check_server_settings("compose postgres", args, env_of(pg).get("POSTGRES_DB"))
    output_dir = arg_value(args, "daily_sales_report.output_dir")
    source = mount_source(pg, output_dir) if output_dir else None
    check("compose postgres: daily_sales_report.output_dir is .docker_volumes/batch_reports",
          source == os.path.join(volumes_dir, "batch_reports"), "output_dir %r comes from %r" % (output_dir, source))
    data = env_of(pg).get("PGDATA") or "/var/lib/postgresql/data"
    check("compose postgres: data in .docker_volumes/postgres_data",
          mount_source(pg, data) == os.path.join(volumes_dir, "postgres_data"), str(mount_source(pg, data)))
    url = arg_value(args, "daily_sales_report.pushgateway_url") or ""
    match = re.match(r"^https?://([^/:]+):(\d+)/?$", url)
    check("compose postgres: daily_sales_report.pushgateway_url is the pushgateway service on 9091",
          match is not None and match.group(1) == "pushgateway" and match.group(2) == "9091", url)
    test = " ".join(command_list((pg.get("healthcheck") or {}).get("test")))
    check("compose postgres: healthcheck with pg_isready", "pg_isready" in test, test)
    env = env_of(pg)
    password_file = env.get("POSTGRES_PASSWORD_FILE") or ""
    check("compose postgres: password from POSTGRES_PASSWORD_FILE in a secret",
          any(under(password_file, t) for t in secret_targets(pg)) and "POSTGRES_PASSWORD" not in env,
          password_file)
    check("compose postgres: waits for setup", depends_condition(pg, "setup") == "service_completed_successfully")

    # pushgateway
    pgw_args = command_list(pgw.get("command"))
    persistence = arg_value(pgw_args, "--persistence.file")
    check("compose pushgateway: --persistence.file on .docker_volumes/pushgateway_data",
          persistence is not None and under(mount_source(pgw, persistence) or "",
                                             os.path.join(volumes_dir, "pushgateway_data")),
          "persistence.file %r" % persistence)
    check("compose pushgateway: image prom/pushgateway", (image_parts(pgw.get("image"))[0] or "").endswith(
        "prom/pushgateway"))
    # container ports: {target: 9091} (compose v2) or "127.0.0.1:9091:9091/tcp" (1.29)
    ports = [str(p.get("target")) if isinstance(p, dict) else str(p).split("/")[0].rsplit(":", 1)[-1]
             for p in pgw.get("ports", [])]
    check("compose pushgateway: port 9091", "9091" in ports, str(ports))
    check("compose pushgateway: healthcheck", bool((pgw.get("healthcheck") or {}).get("test")))

    # prometheus: its config as mounted
    prom_args = command_list(prom.get("command"))
    config_path = arg_value(prom_args, "--config.file") or "/etc/prometheus/prometheus.yml"
    host_config = mount_source(prom, config_path)
    prom_config = None
    if host_config and os.path.isfile(host_config):
        with open(host_config, encoding="utf-8") as f:
            prom_config = yaml.safe_load(f)
    check("compose prometheus: config file mounted", prom_config is not None, str(host_config))
    rules = os.path.join(root, "monitoring", "rules", "daily-sales.yml")
    if os.path.exists(rules):
        mounted = [t for s, t, _ in volume_list(prom) if s == rules]
        globs = [os.path.join(os.path.dirname(config_path), g) for g in (prom_config or {}).get("rule_files", [])]
        check("compose prometheus: monitoring/rules/daily-sales.yml mounted and in rule_files",
              any(any(_glob_match(g, t) for g in globs) for t in mounted), "mounted at %s, rule_files %s" %
              (mounted, globs))
    jobs = {job.get("job_name"): job for job in (prom_config or {}).get("scrape_configs", [])}
    push_job = [job for job in jobs.values() if _static_targets(job) & {"pushgateway:9091"}]
    check("compose prometheus: scrapes pushgateway:9091 with honor_labels: true",
          push_job and all(job.get("honor_labels") is True for job in push_job))
    check("compose prometheus: scrapes postgres-exporter:9187",
          any("postgres-exporter:9187" in _static_targets(job) for job in jobs.values()))
    check("compose prometheus: scrapes itself",
          any(_static_targets(job) & {"localhost:9090", "127.0.0.1:9090"} for job in jobs.values()))
    check("compose prometheus: healthcheck", bool((prom.get("healthcheck") or {}).get("test")))

    # prometheus -> alertmanager
    targets = set()
    for block in ((prom_config or {}).get("alerting") or {}).get("alertmanagers", []) or []:
        targets |= _static_targets(block)
    check("compose prometheus: sends its alerts to alertmanager:9093", targets == {"alertmanager:9093"},
          str(sorted(targets)))

    # alertmanager
    am = services.get("alertmanager")
    check("compose: service alertmanager exists", am is not None)
    if am is not None:
        check("compose alertmanager: image prom/alertmanager",
              (image_parts(am.get("image"))[0] or "").endswith("prom/alertmanager"))
        am_args = command_list(am.get("command"))
        am_config = arg_value(am_args, "--config.file") or "/etc/alertmanager/alertmanager.yml"
        check("compose alertmanager: config is docker/alertmanager/alertmanager.yml",
              mount_source(am, am_config) == os.path.join(root, "docker", "alertmanager", "alertmanager.yml"),
              str(mount_source(am, am_config)))
        storage = arg_value(am_args, "--storage.path") or "/alertmanager"
        check("compose alertmanager: --storage.path in .docker_volumes/alertmanager_data",
              mount_source(am, storage) == os.path.join(volumes_dir, "alertmanager_data"), str(mount_source(am, storage)))
        check("compose alertmanager: no cluster gossip (--cluster.listen-address=)",
              arg_value(am_args, "--cluster.listen-address") == "")
        check("compose alertmanager: healthcheck", bool((am.get("healthcheck") or {}).get("test")))
        check("compose alertmanager: the receivers' secrets mounted at /run/secrets/alertmanager",
              "/run/secrets/alertmanager" in secret_targets(am))
        check("compose alertmanager: without the database password",
              not any(under(t, "/run/secrets/dsr") for t in secret_targets(am)), str(secret_targets(am)))

    check_grafana_compose(root, services, volumes_dir)

    # postgres-exporter
    exporter_env = env_of(exporter)
    check("compose postgres-exporter: password from a secret file",
          any(under(exporter_env.get("DATA_SOURCE_PASS_FILE") or "", t) for t in secret_targets(exporter)))
    check("compose postgres-exporter: connects to the postgres service",
          (exporter_env.get("DATA_SOURCE_URI") or "").startswith("postgres:5432/"))

    # batch
    check("compose batch: only in the batch profile", batch.get("profiles") == ["batch"], str(batch.get("profiles")))
    entrypoint = command_list(batch.get("entrypoint"))
    check("compose batch: entrypoint run-report (docker/batch/run-report)",
          entrypoint and os.path.basename(entrypoint[0]) == "run-report", str(entrypoint))
    check("compose batch: waits for a healthy postgres", depends_condition(batch, "postgres") == "service_healthy")
    batch_env = env_of(batch)
    check("compose batch: REPORT_DATE defaults to yesterday", batch_env.get("REPORT_DATE") == "yesterday",
          str(batch_env.get("REPORT_DATE")))
    check("compose batch: PGHOST/PGDATABASE are the postgres service and its database",
          batch_env.get("PGHOST") == "postgres" and batch_env.get("PGDATABASE") == env_of(pg).get("POSTGRES_DB"))
    check("compose batch: password from a secret file",
          any(under(batch_env.get("PGPASSWORD_FILE") or "", t) for t in secret_targets(batch))
          and "PGPASSWORD" not in batch_env)
    check("compose batch: does not restart", str(batch.get("restart", "no")) == "no")
    try:
        shell = compose_config(root, {"REPORT_DATE": "2025-09-21"})
        value = env_of(shell["services"]["batch"]).get("REPORT_DATE")
    except (RuntimeError, KeyError) as error:
        value = str(error)
    check("compose batch: REPORT_DATE=2025-09-21 in the shell reaches the batch", value == "2025-09-21", str(value))

    # secrets: no literal password anywhere in compose.yaml
    with open(os.path.join(root, "compose.yaml"), encoding="utf-8") as f:
        text = f.read()
    literal = re.findall(r"(?im)^\s*-?\s*[\w.]*PASS(?:WORD)?\w*\s*[:=]\s*(?!\S*_FILE)(\S.*)$", text)
    literal = [value for value in literal if not value.strip().startswith(("/run/secrets/", "${"))]
    check("compose: no password literal in compose.yaml", not literal, str(literal))
    files = [s.get("file") for s in (config.get("secrets") or {}).values()]
    check("compose: secrets come from files (a secrets: entry)", files and all(files), str(files))
    return finish()


def check_server_settings(where, args, database):
    preload = (arg_value(args, "shared_preload_libraries") or "").split(",")
    check("%s: pg_cron and daily_sales_report preloaded" % where,
          {"pg_cron", "daily_sales_report"} <= {p.strip() for p in preload}, str(preload))
    check("%s: cron.database_name and daily_sales_report.database_name are POSTGRES_DB" % where,
          database is not None and arg_value(args, "cron.database_name") == database ==
          arg_value(args, "daily_sales_report.database_name"))


def _static_targets(job):
    targets = set()
    for static in job.get("static_configs", []) or []:
        targets.update(static.get("targets", []))
    return targets


def _glob_match(pattern, path):
    import fnmatch
    return fnmatch.fnmatch(path, pattern)


# --------------------------------------------------------------------------- k8s

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
NAMESPACED_EXEMPT = ("Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass")


def pod_spec(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def find(objects, kind, name, namespace=None):
    for obj in objects:
        meta = obj.get("metadata", {})
        if obj.get("kind") == kind and meta.get("name") == name and \
                (namespace is None or meta.get("namespace") == namespace):
            return obj
    return None


def by_kind(objects, kind):
    return [o for o in objects if o.get("kind") == kind]


def label(obj):
    meta = obj.get("metadata", {})
    return "%s %s/%s" % (obj.get("kind"), meta.get("namespace", "-"), meta.get("name") or meta.get("generateName"))


def check_pod(where, obj, long_running):
    spec = pod_spec(obj)
    pod_sc = spec.get("securityContext") or {}
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    check("%s: has containers" % where, bool(containers))
    for c in containers:
        name = "%s container %s" % (where, c.get("name"))
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        check("%s: cpu and memory requests and limits" % name,
              all(k in req for k in ("cpu", "memory")) and all(k in lim for k in ("cpu", "memory")), str(res))
        sc = c.get("securityContext") or {}
        non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True and \
            sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0
        check("%s: runs as non-root" % name, non_root)
        check("%s: no privilege escalation, all capabilities dropped" % name,
              sc.get("allowPrivilegeEscalation") is False and "ALL" in ((sc.get("capabilities") or {}).get("drop") or [])
              and not sc.get("privileged"))
        seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
        check("%s: seccomp profile RuntimeDefault" % name, seccomp == "RuntimeDefault", str(seccomp))
        if long_running:
            check("%s: readiness and liveness probes" % name,
                  bool(c.get("readinessProbe")) and bool(c.get("livenessProbe")))
        check_image(name, c.get("image"))


def cmd_k8s(root, rendered):
    root = os.path.abspath(root)
    try:
        objects = load_all(rendered)
    except yaml.YAMLError as error:
        check("k8s: the rendered objects parse", False, str(error))
        return finish()
    check("k8s: the rendered objects parse", bool(objects), "nothing rendered")
    check("k8s: every object has apiVersion, kind, metadata.name",
          all(o.get("apiVersion") and o.get("kind") and (o.get("metadata") or {}).get("name") for o in objects))

    namespaces = {o["metadata"]["name"] for o in by_kind(objects, "Namespace")}
    check("k8s: namespaces monitoring and techcommerce", {"monitoring", "techcommerce"} <= namespaces,
          str(namespaces))
    stray = [label(o) for o in objects if o.get("kind") not in NAMESPACED_EXEMPT
             and (o.get("metadata") or {}).get("namespace") not in namespaces]
    check("k8s: every namespaced object is in one of them", not stray, str(stray))
    for kind, name in (("Deployment", "pushgateway"), ("Deployment", "prometheus"), ("DaemonSet", "node-exporter"),
                       ("Service", "pushgateway"), ("Service", "prometheus"), ("ServiceAccount", "prometheus")):
        check("k8s: %s %s in monitoring" % (kind, name), find(objects, kind, name, "monitoring") is not None)
    for kind, name in (("StatefulSet", "postgres"), ("CronJob", "daily-sales-report"), ("Service", "postgres")):
        check("k8s: %s %s in techcommerce" % (kind, name), find(objects, kind, name, "techcommerce") is not None)

    # the ExternalName bridge
    bridge = find(objects, "Service", "pushgateway", "techcommerce")
    spec = (bridge or {}).get("spec", {})
    target = spec.get("externalName", "")
    check("k8s: Service pushgateway in techcommerce is ExternalName pushgateway.monitoring.svc.cluster.local",
          spec.get("type") == "ExternalName" and target == "pushgateway.monitoring.svc.cluster.local", target)
    parts = target.split(".")
    check("k8s: the ExternalName names a real Service", len(parts) >= 3 and
          find(objects, "Service", parts[0], parts[1]) is not None and
          find(objects, "Service", parts[0], parts[1])["spec"].get("type") != "ExternalName", target)

    # RBAC for Prometheus
    role = find(objects, "ClusterRole", "prometheus")
    rules = (role or {}).get("rules", [])
    core = set()
    for rule in rules:
        if "" in rule.get("apiGroups", []) and {"list", "watch"} <= set(rule.get("verbs", [])):
            core.update(rule.get("resources", []))
    check("k8s: ClusterRole prometheus lists and watches pods, services, endpoints, nodes",
          {"pods", "services", "endpoints", "nodes"} <= core, str(sorted(core)))
    binding = find(objects, "ClusterRoleBinding", "prometheus")
    check("k8s: ClusterRoleBinding gives it to ServiceAccount monitoring/prometheus",
          binding is not None and binding["roleRef"].get("name") == "prometheus" and
          {"kind": "ServiceAccount", "name": "prometheus", "namespace": "monitoring"} in binding.get("subjects", []))
    prom = find(objects, "Deployment", "prometheus", "monitoring")
    check("k8s: Prometheus runs as that ServiceAccount",
          prom is not None and pod_spec(prom).get("serviceAccountName") == "prometheus")

    # Prometheus config from its ConfigMap, as mounted
    config = prometheus_k8s_config(objects)
    jobs = {j.get("job_name"): j for j in (config or {}).get("scrape_configs", [])}
    check("k8s prometheus: config mounted from a ConfigMap", config is not None)
    pgw_jobs = [j for j in jobs.values() if "pushgateway" in yaml.safe_dump(j.get("relabel_configs", []))]
    check("k8s prometheus: scrapes the Pushgateway with honor_labels: true",
          pgw_jobs and all(j.get("honor_labels") is True for j in pgw_jobs))
    sd_jobs = [name for name, j in jobs.items() if j.get("kubernetes_sd_configs")]
    check("k8s prometheus: Kubernetes service discovery for pushgateway, node-exporter, postgres",
          {"pushgateway", "node-exporter", "postgres"} <= set(sd_jobs), str(sd_jobs))
    sd_keys = {"role", "namespaces", "selectors", "api_server", "kubeconfig_file", "attach_metadata",
               "basic_auth", "authorization", "oauth2", "tls_config", "proxy_url", "follow_redirects"}
    sd_roles = {"node", "service", "pod", "endpoints", "endpointslice", "ingress"}
    bad_sd = []
    for name, job in jobs.items():
        for sd in job.get("kubernetes_sd_configs", []) or []:
            namespaces = sd.get("namespaces") or {}
            if set(sd) - sd_keys or sd.get("role") not in sd_roles or \
                    set(namespaces) - {"names", "own_namespace"} or \
                    not isinstance(namespaces.get("names", []), list):
                bad_sd.append(name)
    check("k8s prometheus: every kubernetes_sd_configs block is well-formed (role, namespaces)", not bad_sd,
          str(bad_sd))
    rules_map = prometheus_k8s_rules(objects)
    source = os.path.join(root, "monitoring", "rules", "daily-sales.yml")
    if os.path.exists(source):
        with open(source, encoding="utf-8") as f:
            wanted = f.read()
        check("k8s prometheus: the rules ConfigMap holds monitoring/rules/daily-sales.yml as it is",
              rules_map.get("daily-sales.yml") == wanted,
              "cp monitoring/rules/daily-sales.yml k8s/monitoring/daily-sales.yml")

    # Alertmanager
    for kind in ("Deployment", "Service"):
        check("k8s: %s alertmanager in monitoring" % kind, find(objects, kind, "alertmanager", "monitoring") is not None)
    targets = set()
    for block in ((config or {}).get("alerting") or {}).get("alertmanagers", []) or []:
        targets |= _static_targets(block)
    check("k8s prometheus: sends its alerts to the Service alertmanager:9093 of its namespace",
          targets == {"alertmanager:9093"} and find(objects, "Service", "alertmanager", "monitoring") is not None,
          str(sorted(targets)))
    am_files = alertmanager_k8s_files(objects)
    source = os.path.join(root, "docker", "alertmanager", "alertmanager.yml")
    if os.path.exists(source):
        with open(source, encoding="utf-8") as f:
            wanted = f.read()
        check("k8s alertmanager: the config ConfigMap holds docker/alertmanager/alertmanager.yml as it is",
              am_files.get("/etc/alertmanager/alertmanager.yml") == wanted,
              "cp docker/alertmanager/alertmanager.yml k8s/monitoring/alertmanager.yml")
    am = find(objects, "Deployment", "alertmanager", "monitoring")
    if am:
        c = pod_spec(am)["containers"][0]
        check("k8s alertmanager: the Secret alertmanager-secrets mounted at /run/secrets/alertmanager",
              secret_at(am, c, "/run/secrets/alertmanager/x") == "alertmanager-secrets")
        storage = arg_value(c.get("args", []), "--storage.path")
        claim = volume_claim_at(am, c, storage) if storage else None
        check("k8s alertmanager: --storage.path on a PVC",
              claim is not None and find(objects, "PersistentVolumeClaim", claim, "monitoring") is not None,
              "storage.path %r, claim %r" % (storage, claim))

    check_grafana_k8s(root, objects)

    # Pushgateway persistence
    pgw = find(objects, "Deployment", "pushgateway", "monitoring")
    if pgw:
        c = pod_spec(pgw)["containers"][0]
        persistence = arg_value(c.get("args", []) + c.get("command", []), "--persistence.file")
        claim = volume_claim_at(pgw, c, persistence) if persistence else None
        check("k8s pushgateway: --persistence.file on a PVC", claim is not None and
              find(objects, "PersistentVolumeClaim", claim, "monitoring") is not None,
              "persistence.file %r, claim %r" % (persistence, claim))
        check("k8s pushgateway: image prom/pushgateway", (image_parts(c.get("image"))[0] or "").endswith(
            "prom/pushgateway"))

    # node-exporter
    ds = find(objects, "DaemonSet", "node-exporter", "monitoring")
    if ds:
        check("k8s node-exporter: on the host's network and PIDs",
              pod_spec(ds).get("hostNetwork") is True and pod_spec(ds).get("hostPID") is True)

    # PostgreSQL
    sts = find(objects, "StatefulSet", "postgres", "techcommerce")
    if sts:
        c = next((c for c in pod_spec(sts)["containers"] if c.get("name") == "postgres"), {})
        args = list(c.get("command", [])) + list(c.get("args", []))
        check("k8s postgres: the extension's image", OUR_IMAGE in (c.get("image") or ""), c.get("image"))
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        check_server_settings("k8s postgres", args, env.get("POSTGRES_DB"))
        url = arg_value(args, "daily_sales_report.pushgateway_url")
        check("k8s postgres: daily_sales_report.pushgateway_url is http://pushgateway:9091",
              url == "http://pushgateway:9091", str(url))
        output_dir = arg_value(args, "daily_sales_report.output_dir")
        claim = volume_claim_at(sts, c, output_dir) if output_dir else None
        check("k8s postgres: daily_sales_report.output_dir on the report PVC",
              claim is not None and find(objects, "PersistentVolumeClaim", claim, "techcommerce") is not None,
              "output_dir %r, claim %r" % (output_dir, claim))
        check("k8s postgres: password from a mounted Secret (POSTGRES_PASSWORD_FILE)",
              "POSTGRES_PASSWORD" not in env and secret_at(sts, c, env.get("POSTGRES_PASSWORD_FILE") or "")
              is not None)
        check("k8s postgres: no pg_cron schedule next to the CronJob", env.get("DSR_CRON_SCHEDULE") == "")

    # the CronJob
    cron = find(objects, "CronJob", "daily-sales-report", "techcommerce")
    if cron:
        spec = cron["spec"]
        check("k8s cronjob: schedule 0 6 * * *", spec.get("schedule") == "0 6 * * *", spec.get("schedule"))
        check("k8s cronjob: concurrencyPolicy Forbid", spec.get("concurrencyPolicy") == "Forbid")
        check("k8s cronjob: successful and failed history limits",
              isinstance(spec.get("successfulJobsHistoryLimit"), int) and
              isinstance(spec.get("failedJobsHistoryLimit"), int))
        check("k8s cronjob: backoffLimit", isinstance(spec["jobTemplate"]["spec"].get("backoffLimit"), int))
        check_batch_pod("k8s cronjob", objects, cron, "yesterday")

    # every workload: resources, probes, securityContext, images
    for obj in objects:
        if obj.get("kind") in WORKLOADS:
            check_pod(label(obj), obj, obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"))
    return finish()


def check_batch_pod(where, objects, obj, report_date):
    spec = pod_spec(obj)
    namespace = obj["metadata"].get("namespace")
    c = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    check("%s: runs run-report" % where, [os.path.basename(x) for x in c.get("command", [])][:1] == ["run-report"],
          str(c.get("command")))
    check("%s: REPORT_DATE %s" % (where, report_date), env.get("REPORT_DATE") == report_date,
          str(env.get("REPORT_DATE")))
    check("%s: PGHOST is the postgres Service of its namespace" % where,
          env.get("PGHOST") and find(objects, "Service", env["PGHOST"], namespace) is not None, str(env.get("PGHOST")))
    check("%s: password from a mounted Secret" % where,
          "PGPASSWORD" not in env and secret_at(obj, c, env.get("PGPASSWORD_FILE") or "") is not None)
    check("%s: restartPolicy Never" % where, spec.get("restartPolicy") == "Never")


def volumes_by_name(obj):
    return {v["name"]: v for v in pod_spec(obj).get("volumes", []) or []}


def mount_at(obj, container, path):
    best = None
    for mount in container.get("volumeMounts", []) or []:
        if path and under(path, mount["mountPath"]) and (best is None or len(mount["mountPath"]) >
                                                         len(best["mountPath"])):
            best = mount
    return best


def volume_claim_at(obj, container, path):
    mount = mount_at(obj, container, path)
    if not mount:
        return None
    volume = volumes_by_name(obj).get(mount["name"])
    if volume and volume.get("persistentVolumeClaim"):
        return volume["persistentVolumeClaim"].get("claimName")
    if obj["kind"] == "StatefulSet":
        for template in obj["spec"].get("volumeClaimTemplates", []) or []:
            if template["metadata"]["name"] == mount["name"]:
                return None     # per-pod claim, not a named PVC
    return None


def secret_at(obj, container, path):
    mount = mount_at(obj, container, path)
    if not mount:
        return None
    volume = volumes_by_name(obj).get(mount["name"]) or {}
    return (volume.get("secret") or {}).get("secretName")


def prometheus_k8s_config(objects):
    files = prometheus_k8s_files(objects)
    for path, text in files.items():
        if path.endswith("/prometheus.yml"):
            return yaml.safe_load(text)
    return None


def prometheus_k8s_rules(objects):
    files = prometheus_k8s_files(objects)
    return {os.path.basename(p): t for p, t in files.items() if "/rules/" in p}


def prometheus_k8s_files(objects):
    """{path in the Prometheus container: content} of its ConfigMap volumes."""
    prom = find(objects, "Deployment", "prometheus", "monitoring")
    if not prom:
        return {}
    container = pod_spec(prom)["containers"][0]
    volumes = volumes_by_name(prom)
    files = {}
    for mount in container.get("volumeMounts", []) or []:
        volume = volumes.get(mount["name"]) or {}
        cm_name = (volume.get("configMap") or {}).get("name")
        if not cm_name:
            continue
        cm = find(objects, "ConfigMap", cm_name, "monitoring")
        if cm is None:
            continue
        for key, text in (cm.get("data") or {}).items():
            files[os.path.join(mount["mountPath"], key)] = text
    return files


def configmap_files(objects, deployment, namespace):
    """{path in the Deployment's first container: content} of its ConfigMap volumes."""
    obj = find(objects, "Deployment", deployment, namespace)
    if not obj:
        return {}
    container = pod_spec(obj)["containers"][0]
    volumes = volumes_by_name(obj)
    files = {}
    for mount in container.get("volumeMounts", []) or []:
        cm_name = ((volumes.get(mount["name"]) or {}).get("configMap") or {}).get("name")
        cm = find(objects, "ConfigMap", cm_name, namespace) if cm_name else None
        for key, text in ((cm or {}).get("data") or {}).items():
            files[os.path.join(mount["mountPath"], key)] = text
    return files


def alertmanager_k8s_files(objects):
    return configmap_files(objects, "alertmanager", "monitoring")


# --------------------------------------------------------------------------- alerting

CATEGORIES = ("business", "technical")
# settings that hold a secret inline; each has a *_file form
INLINE_SECRETS = ("auth_password", "auth_secret", "api_url", "api_key", "routing_key", "service_key",
                  "bot_token", "credentials", "password", "smtp_auth_password", "slack_api_url")


def _walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + "." + str(key), key, value
            yield from _walk(value, path + "." + str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, "%s[%d]" % (path, i))


def check_alertmanager(where, config, secret_dir):
    route = (config or {}).get("route") or {}
    check("%s: group_by alertname and job" % where, sorted(route.get("group_by") or []) == ["alertname", "job"],
          str(route.get("group_by")))
    check("%s: the default receiver is technical" % where, route.get("receiver") == "technical",
          str(route.get("receiver")))
    routes = {}
    for sub in route.get("routes") or []:
        for matcher in sub.get("matchers") or []:
            match = re.match(r'^\s*category\s*=\s*"?(\w+)"?\s*$', matcher)
            if match:
                routes[match.group(1)] = sub.get("receiver")
    check("%s: category=business and category=technical each routed to its receiver" % where,
          routes == {c: c for c in CATEGORIES}, str(routes))
    receivers = {r.get("name"): r for r in (config or {}).get("receivers") or []}
    check("%s: receivers business and technical" % where, set(CATEGORIES) <= set(receivers), str(sorted(receivers)))
    resolved = [name for name in CATEGORIES for kind, configs in (receivers.get(name) or {}).items()
                if kind.endswith("_configs") for c in configs if not c.get("send_resolved", kind == "webhook_configs")]
    check("%s: every receiver is told when an alert resolves (send_resolved)" % where, not resolved, str(resolved))
    inline = [path for path, key, value in _walk(config) if key in INLINE_SECRETS and value]
    check("%s: no secret inline (the *_file settings)" % where, not inline, str(inline))
    if secret_dir:
        files = [value for path, key, value in _walk(config) if str(key).endswith("_file")]
        check("%s: the secret files are under %s" % (where, secret_dir),
              files and all(under(f, secret_dir) for f in files), str(files))


def cmd_alerting(root, rendered, out):
    root = os.path.abspath(root)
    os.makedirs(out, exist_ok=True)
    # every alert of the rules has a category the routes know
    with open(os.path.join(root, "monitoring", "rules", "daily-sales.yml"), encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    alerts = {r["alert"]: (r.get("labels") or {}).get("category") for g in rules.get("groups", [])
              for r in g.get("rules", []) if "alert" in r}
    bad = {a: c for a, c in alerts.items() if c not in CATEGORIES}
    check("rules: every alert has category business or technical", alerts and not bad, str(bad))
    check("rules: both categories are used", set(alerts.values()) == set(CATEGORIES), str(alerts))

    with open(os.path.join(root, "demo", "alertmanager.yml.in"), encoding="utf-8") as f:
        demo = f.read().replace("@RECEIVER_PORT@", "9095")
    check("demo alertmanager: no @...@ left once generated", "@" not in re.sub(r"#.*", "", demo))
    configs = {"demo": (demo, None)}
    with open(os.path.join(root, "docker", "alertmanager", "alertmanager.yml"), encoding="utf-8") as f:
        configs["compose"] = (f.read(), "/run/secrets/alertmanager")
    if os.path.exists(rendered):
        text = alertmanager_k8s_files(load_all(rendered)).get("/etc/alertmanager/alertmanager.yml")
        check("k8s alertmanager: config found in the rendered ConfigMap", text is not None)
        if text is not None:
            configs["k8s"] = (text, "/run/secrets/alertmanager")
    for name, (text, secret_dir) in configs.items():
        with open(os.path.join(out, name + ".yml"), "w", encoding="utf-8") as f:
            f.write(text)
        check_alertmanager("%s alertmanager" % name, yaml.safe_load(text), secret_dir)
    demo_receivers = [c.get("url") for r in yaml.safe_load(demo).get("receivers", [])
                      for c in r.get("webhook_configs") or []]
    check("demo alertmanager: both receivers are webhooks of demo/alert-receiver on loopback",
          sorted(demo_receivers) == ["http://127.0.0.1:9095/business", "http://127.0.0.1:9095/technical"],
          str(demo_receivers))
    return finish()


# --------------------------------------------------------------------------- Grafana

GRAFANA_DASHBOARD = os.path.join("monitoring", "grafana", "daily-sales-report.json")


def grafana_configmap_text(root):
    """k8s/monitoring/grafana-dashboard.yaml: the dashboard and a datasource as ConfigMaps for Grafana's sidecar."""
    with open(os.path.join(root, GRAFANA_DASHBOARD), encoding="utf-8") as f:
        dashboard = f.read().rstrip("\n")
    indented = "\n".join(("    " + line) if line else "" for line in dashboard.split("\n"))
    return """# k8s/monitoring/grafana-dashboard.yaml — the Grafana dashboard of
# monitoring/grafana/daily-sales-report.json and a Prometheus datasource, as
# ConfigMaps labelled for the sidecar of Grafana's Helm chart (or
# kube-prometheus-stack), which loads every ConfigMap labelled
# grafana_dashboard / grafana_datasource.  The JSON is a copy: after changing
# it,  python3 test/static/checks.py grafana-configmap . > k8s/monitoring/grafana-dashboard.yaml
# (test/static fails while they differ).
apiVersion: v1
kind: ConfigMap
metadata:
  name: grafana-dashboard-daily-sales-report
  namespace: monitoring
  labels:
    app.kubernetes.io/part-of: daily-sales-report
    grafana_dashboard: "1"
data:
  daily-sales-report.json: |
%s
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: grafana-datasource-prometheus
  namespace: monitoring
  labels:
    app.kubernetes.io/part-of: daily-sales-report
    grafana_datasource: "1"
data:
  prometheus.yaml: |
    apiVersion: 1
    datasources:
      - name: Prometheus
        uid: prometheus
        type: prometheus
        access: proxy
        url: http://prometheus.monitoring.svc:9090
        isDefault: false
        jsonData:
          timeInterval: 30s
""" % indented


def cmd_grafana_configmap(root):
    sys.stdout.write(grafana_configmap_text(os.path.abspath(root)))
    return 0


def check_grafana_k8s(root, objects):
    cm = find(objects, "ConfigMap", "grafana-dashboard-daily-sales-report", "monitoring")
    check("k8s grafana: ConfigMap grafana-dashboard-daily-sales-report labelled grafana_dashboard",
          cm is not None and (cm["metadata"].get("labels") or {}).get("grafana_dashboard") == "1")
    with open(os.path.join(root, GRAFANA_DASHBOARD), encoding="utf-8") as f:
        wanted = json.load(f)
    try:
        got = json.loads(((cm or {}).get("data") or {}).get("daily-sales-report.json", "null"))
    except ValueError as error:
        got = str(error)
    check("k8s grafana: the ConfigMap holds %s as it is" % GRAFANA_DASHBOARD, got == wanted,
          "python3 test/static/checks.py grafana-configmap . > k8s/monitoring/grafana-dashboard.yaml")
    ds = find(objects, "ConfigMap", "grafana-datasource-prometheus", "monitoring")
    url = None
    if ds is not None:
        document = yaml.safe_load((ds.get("data") or {}).get("prometheus.yaml", "")) or {}
        url = ((document.get("datasources") or [{}])[0]).get("url")
    check("k8s grafana: a datasource ConfigMap for the Service prometheus:9090",
          ds is not None and (ds["metadata"].get("labels") or {}).get("grafana_datasource") == "1" and
          url == "http://prometheus.monitoring.svc:9090", str(url))


def check_grafana_compose(root, services, volumes_dir):
    grafana = services.get("grafana")
    check("compose: service grafana exists", grafana is not None)
    if grafana is None:
        return
    check("compose grafana: only in the dashboard profile", grafana.get("profiles") == ["dashboard"],
          str(grafana.get("profiles")))
    check("compose grafana: image grafana/grafana", (image_parts(grafana.get("image"))[0] or "").endswith(
        "grafana/grafana"))
    check("compose grafana: data in .docker_volumes/grafana_data",
          mount_source(grafana, "/var/lib/grafana") == os.path.join(volumes_dir, "grafana_data"),
          str(mount_source(grafana, "/var/lib/grafana")))
    provider_dir = mount_source(grafana, "/etc/grafana/provisioning/dashboards")
    paths = []
    if provider_dir and os.path.isdir(provider_dir):
        for name in sorted(os.listdir(provider_dir)):
            with open(os.path.join(provider_dir, name), encoding="utf-8") as f:
                paths += [((p.get("options") or {}).get("path")) for p in (yaml.safe_load(f) or {}).get("providers", [])]
    dashboards = [mount_source(grafana, os.path.join(p, "daily-sales-report.json")) for p in paths if p]
    check("compose grafana: a dashboard provider loads %s" % GRAFANA_DASHBOARD,
          os.path.join(root, GRAFANA_DASHBOARD) in dashboards, str(dashboards))
    ds_dir = mount_source(grafana, "/etc/grafana/provisioning/datasources")
    urls = []
    if ds_dir and os.path.isdir(ds_dir):
        for name in sorted(os.listdir(ds_dir)):
            with open(os.path.join(ds_dir, name), encoding="utf-8") as f:
                urls += [d.get("url") for d in (yaml.safe_load(f) or {}).get("datasources", [])
                         if d.get("type") == "prometheus"]
    check("compose grafana: a Prometheus datasource for the prometheus service", urls == ["http://prometheus:9090"],
          str(urls))
    check("compose grafana: waits for a healthy prometheus", depends_condition(grafana, "prometheus") == "service_healthy")
    check("compose grafana: healthcheck", bool((grafana.get("healthcheck") or {}).get("test")))


def cmd_job(root, rendered):
    objects = load_all(rendered)
    path = os.path.join(root, "k8s", "jobs", "daily-sales-report-once.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cron = find(objects, "CronJob", "daily-sales-report", "techcommerce")
    for day in ("yesterday", "2025-09-21"):
        job = yaml.safe_load(text.replace('"yesterday"', '"%s"' % day))
        where = "k8s job template (REPORT_DATE=%s)" % day
        check("%s: a Job in techcommerce with a generated name" % where,
              job.get("kind") == "Job" and job["metadata"].get("namespace") == "techcommerce" and
              job["metadata"].get("generateName") and not job["metadata"].get("name"))
        check_batch_pod(where, objects, job, day)
        check_pod(where, job, False)
        if cron:
            mine = yaml.safe_dump(job["spec"]["template"]).replace('"%s"' % day, '"yesterday"').replace(
                "'%s'" % day, "yesterday").replace(day, "yesterday")
            theirs = yaml.safe_dump(cron["spec"]["jobTemplate"]["spec"]["template"])
            check("%s: the CronJob's pod but for REPORT_DATE" % where, mine == theirs)
    return finish()


# --------------------------------------------------------------------------- Dockerfile

def dockerfile_instructions(path):
    """[(lineno, INSTRUCTION, arguments)] with continuation lines joined, comments dropped."""
    out, buffer, start = [], "", None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            stripped = line.strip()
            if not buffer and (not stripped or stripped.startswith("#")):
                continue
            if buffer and stripped.startswith("#"):
                continue
            if start is None:
                start = number
            if stripped.endswith("\\"):
                buffer += stripped[:-1] + " "
                continue
            buffer += stripped
            parts = buffer.split(None, 1)
            out.append((start, parts[0].upper(), parts[1] if len(parts) > 1 else ""))
            buffer, start = "", None
    return out


def cmd_dockerfile(root):
    path = os.path.join(root, "docker", "Dockerfile")
    instructions = dockerfile_instructions(path)
    args = {}
    stages = []          # [{"name", "image", "runs": [..], "copies": [..]}]
    for number, ins, rest in instructions:
        if ins == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name.strip()] = default.strip().strip('"')
        elif ins == "FROM":
            words = rest.split()
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"name": name, "image": image, "runs": [], "copies": [], "line": number})
        elif stages and ins == "RUN":
            stages[-1]["runs"].append(rest)
        elif stages and ins == "COPY":
            stages[-1]["copies"].append(rest)
    check("Dockerfile: multi-stage (a builder, then the runtime)", len(stages) >= 2 and stages[0]["name"],
          str([s["name"] for s in stages]))
    for stage in stages:
        check("Dockerfile: stage %s FROM %s is postgres:15-bookworm" % (stage["name"], stage["image"]),
              image_parts(stage["image"])[0] in ("postgres", "docker.io/library/postgres") and
              (image_parts(stage["image"])[1] or "").startswith("15") and "bookworm" in stage["image"])
    runtime = stages[-1] if stages else {"runs": [], "copies": []}
    runtime_runs = " ".join(runtime["runs"])
    build_deps = re.findall(r"(?<![\w.+=-])(g\+\+|gcc|make|[\w.+-]+-dev|build-essential|clang)(?![\w.+-])",
                            runtime_runs)
    check("Dockerfile: no build dependency in the runtime stage", not build_deps, str(build_deps))
    for package in ("postgresql-${PG_MAJOR}-cron", "libcurl4", "libhpdf-2.3.0", "fonts-dejavu-core", "fonts-wqy-zenhei",
                    "fonts-lohit-deva"):
        check("Dockerfile: the runtime installs %s" % package, package in runtime_runs)
    check("Dockerfile: the runtime copies the built extension from the builder",
          any(c.startswith("--from=%s" % stages[0]["name"]) for c in runtime["copies"]) if stages else False)
    for stage in stages:
        for run in stage["runs"]:
            if "apt-get install" in run:
                where = "Dockerfile stage %s: apt-get install" % stage["name"]
                check("%s follows apt-get update in the same RUN" % where,
                      "apt-get update" in run.split("apt-get install")[0])
                check("%s uses -y --no-install-recommends" % where,
                      all(f in run for f in ("-y", "--no-install-recommends")))
                check("%s removes /var/lib/apt/lists" % where, "rm -rf /var/lib/apt/lists" in run)
    # what the Dockerfile copies from the context exists, and .dockerignore (at the top, where
    # every builder reads it) admits it
    ignore = dockerignore_patterns(os.path.join(root, ".dockerignore"))
    check("Dockerfile: the build context's .dockerignore is at the top (the legacy builder reads no other)",
          os.path.isfile(os.path.join(root, ".dockerignore"))
          and not os.path.exists(os.path.join(root, "docker", "Dockerfile.dockerignore")))
    check("Dockerfile: .dockerignore leaves .docker_volumes/, docker/secrets/ and .env out of the context",
          all(dockerignored(ignore, p) for p in (".docker_volumes/postgres_data/PG_VERSION",
                                                  "docker/secrets/postgres_password", ".env")))
    missing, ignored = [], []
    for stage in stages:
        for copy in stage["copies"]:
            words = [w for w in copy.split() if not w.startswith("--")]
            if any(w.startswith("--from") for w in copy.split()):
                continue
            for source in words[:-1]:
                matched = [os.path.relpath(p, root) for p in _glob(os.path.join(root, source))]
                if not matched:
                    missing.append(source)
                for relative in matched:
                    files = [relative] if os.path.isfile(os.path.join(root, relative)) else [
                        os.path.relpath(os.path.join(d, f), root)
                        for d, _, fs in os.walk(os.path.join(root, relative)) for f in fs]
                    ignored += [f for f in files if dockerignored(ignore, f)]
    check("Dockerfile: every COPY source exists", not missing, str(missing))
    check("Dockerfile: .dockerignore admits every file it copies", not ignored, str(ignored[:5]))
    exec_form = [rest for _, ins, rest in instructions if ins in ("ENTRYPOINT", "CMD")]
    check("Dockerfile: ENTRYPOINT and CMD in exec form", exec_form and all(r.startswith("[") for r in exec_form))
    check("Dockerfile: no ADD (COPY only)", not any(ins == "ADD" for _, ins, _ in instructions))
    with open(path, encoding="utf-8") as f:
        text = f.read()
    check("Dockerfile: no :latest", ":latest" not in text)
    return finish()


def _glob(pattern):
    import glob
    return sorted(glob.glob(pattern.rstrip("/")))


def dockerignore_patterns(path):
    patterns = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    patterns.append((line.startswith("!"), line.lstrip("!").strip("/")))
    return patterns


def dockerignored(patterns, path):
    """Whether the context drops PATH (the last matching pattern wins; a pattern matches a path or a parent)."""
    import fnmatch
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for negated, pattern in patterns:
        regex = fnmatch.translate(pattern).replace(".*", "[^/]*").replace("[^/]*[^/]*", ".*")
        if any(re.match(regex, c) for c in candidates):
            result = not negated
    return result


# --------------------------------------------------------------------------- Prometheus layouts

def cmd_prometheus_compose(root, out):
    """Copy what compose mounts into the Prometheus container under OUT (same paths)."""
    root = os.path.abspath(root)
    config = compose_config(root)
    prom = config["services"]["prometheus"]
    args = command_list(prom.get("command"))
    config_path = arg_value(args, "--config.file") or "/etc/prometheus/prometheus.yml"
    for source, target, _ in volume_list(prom):
        if target.startswith("/etc/prometheus") and os.path.isfile(source):
            destination = os.path.join(out, target.lstrip("/"))
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copyfile(source, destination)
    print(os.path.join(out, config_path.lstrip("/")))
    return 0


def cmd_prometheus_k8s(rendered, out):
    files = prometheus_k8s_files(load_all(rendered))
    config = None
    for path, text in files.items():
        destination = os.path.join(out, path.lstrip("/"))
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        with open(destination, "w", encoding="utf-8") as f:
            f.write(text)
        if path.endswith("/prometheus.yml"):
            config = destination
    if config is None:
        print("no prometheus.yml in the Prometheus Deployment's ConfigMaps", file=sys.stderr)
        return 1
    # Debian's promtool is built without Kubernetes service discovery: beside
    # the config, the same config with each kubernetes_sd_configs replaced by
    # a static target (cmd_k8s checks those blocks itself).
    with open(config, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    for job in document.get("scrape_configs", []) or []:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["static_configs"] = [{"targets": ["kubernetes-sd.invalid:80"]}]
    with open(os.path.join(os.path.dirname(config), "prometheus.without-k8s-sd.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(document, f, sort_keys=False)
    print(config)
    return 0


def main(argv):
    commands = {
        "compose": (cmd_compose, 1), "k8s": (cmd_k8s, 2), "job": (cmd_job, 2), "dockerfile": (cmd_dockerfile, 1),
        "prometheus-compose": (cmd_prometheus_compose, 2), "prometheus-k8s": (cmd_prometheus_k8s, 2),
        "alerting": (cmd_alerting, 3), "grafana-configmap": (cmd_grafana_configmap, 1),
    }
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
