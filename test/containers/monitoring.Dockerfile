# test/containers/monitoring.Dockerfile — stand-ins for the third-party images
# of compose.yaml, from Debian 12's packages (no registry is reachable from the
# test machines).  One target per image, laid out as upstream's: the binary
# as /bin/<name>, busybox-like wget for the healthchecks, user nobody (65534),
# upstream's working directory and default command.
#
#   podman build --target pushgateway -f test/containers/monitoring.Dockerfile test/containers
#
# test/containers/run builds them; the base is the debootstrap image it makes.

ARG BASE_IMAGE=localhost/debian:bookworm

FROM ${BASE_IMAGE} AS tools
# one apt run for the four images: each target only adds its entrypoint
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        wget ca-certificates \
        prometheus-pushgateway prometheus prometheus-postgres-exporter prometheus-alertmanager \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/prometheus-pushgateway /bin/pushgateway \
 && ln -s /usr/bin/prometheus-postgres-exporter /bin/postgres_exporter \
 && ln -s /usr/bin/prometheus-alertmanager /bin/alertmanager \
 && { [ -e /bin/prometheus ] || ln -s /usr/bin/prometheus /bin/prometheus; } \
 && { [ -e /bin/promtool ] || ln -s /usr/bin/promtool /bin/promtool; } \
 && { [ -e /bin/amtool ] || ln -s /usr/bin/amtool /bin/amtool; }

# prom/pushgateway
FROM tools AS pushgateway
USER 65534
EXPOSE 9091
WORKDIR /pushgateway
ENTRYPOINT ["/bin/pushgateway"]

# prom/prometheus
FROM tools AS prometheus
RUN mkdir -p /prometheus && chown 65534:65534 /prometheus
USER 65534
EXPOSE 9090
VOLUME ["/prometheus"]
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]

# quay.io/prometheuscommunity/postgres-exporter
FROM tools AS postgres-exporter
USER 65534
EXPOSE 9187
ENTRYPOINT ["/bin/postgres_exporter"]

# prom/alertmanager
FROM tools AS alertmanager
RUN mkdir -p /alertmanager /etc/alertmanager \
 && { [ -f /etc/alertmanager/alertmanager.yml ] \
      || cp /etc/prometheus/alertmanager.yml /etc/alertmanager/alertmanager.yml; } \
 && chown 65534:65534 /alertmanager
USER 65534
EXPOSE 9093
VOLUME ["/alertmanager"]
WORKDIR /alertmanager
ENTRYPOINT ["/bin/alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
