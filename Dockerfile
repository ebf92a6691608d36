# The image compose.yaml runs: rnnlab and its dependencies, nothing else.
FROM python:3.11-slim
ENV OPENBLAS_NUM_THREADS=1 PIP_NO_CACHE_DIR=1
COPY . /src
RUN pip install /src && useradd --create-home rnnlab
USER rnnlab
EXPOSE 8000
CMD ["rnnlab", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-browser"]
