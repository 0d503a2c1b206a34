# nianbao: the site as one image. The database is built from a folder of reports at
# image build time and served immutable by scripts/serve-prod.sh (the same command as
# `make serve-prod`). Every version is pinned; rebuild the image to publish new reports.
#   docker build --build-arg REPORTS_DIR=data/samples -t nianbao .
#   docker run -p 8001:8001 nianbao
FROM python:3.11.11-slim-bookworm

ENV PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# wvWare reads Word 97 .doc/.wps reports (ingest/extract/doc.py).
RUN apt-get update && apt-get install -y --no-install-recommends wv && rm -rf /var/lib/apt/lists/*

# The whole dependency tree, pinned (pip freeze of the project's venv, dev tools left out).
RUN pip install --no-deps \
    aiofiles==25.1.0 anyio==4.16.0 asgi-csrf==0.11 asgi-gzip==0.3 asgiref==3.13.0 beautifulsoup4==4.15.0 \
    bleach==6.4.0 certifi==2026.10.18 cffi==2.1.1 charset-normalizer==3.5.2 click-default-group==1.2.4 click==8.5.1 \
    cpca==0.5.5 cryptography==50.0.2 datasette-block-robots==1.1.1 datasette-dashboards==0.8.0 datasette-leaflet==0.2.2 datasette-render-markdown==2.2.1 \
    datasette-vega==0.6.2 datasette==0.65.5 flexcache==0.3 flexparser==0.4 h11==0.16.0 httpcore==1.0.9 \
    httpx==0.28.1 hupper==1.12.1 idna==3.20 itsdangerous==2.2.0 janus==2.0.0 Jinja2==3.1.6 \
    lxml==6.1.3 Markdown==3.11.3 MarkupSafe==3.0.4 mergedeep==1.3.4 numpy==2.4.6 pandas==3.1.1 \
    pdfminer.six==20260107 pdfplumber==0.11.10 pillow==13.0.0 platformdirs==4.14.7 pluggy==1.7.0 Protego==0.7.0 pyahocorasick==2.3.1 \
    pycparser==3.12 pypdfium2==5.15.2 pysqlite3-binary==0.5.4.post2 python-dateutil==4.0.0 python-docx==1.2.0 python-multipart==0.0.34 \
    PyYAML==6.0.3 RapidFuzz==3.14.6 soupsieve==4.1.2 sqlite-fts4==1.0.3 sqlite-utils==4.2.1 tabulate==0.10.0 \
    typing_extensions==4.16.0 tzdata==2026.6 uvicorn==0.54.0 webencodings==0.6.1

COPY . /app

ARG REPORTS_DIR=data/samples
RUN python -m ingest ingest /app/nianbao.db /app/${REPORTS_DIR} --silent
# inspected by its bare name, as scripts/serve-prod.sh's configuration directory expects
RUN cd /app && datasette inspect nianbao.db --inspect-file /app/inspect-data.json

ENV PORT=8001 INSPECT_FILE=/app/inspect-data.json
EXPOSE 8001
CMD ["sh", "-c", "exec bash scripts/serve-prod.sh /app/nianbao.db ${PORT}"]
