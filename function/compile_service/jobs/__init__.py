"""Compile jobs: submit now, compile on a worker, fetch the result from the result store.

ids          the content hash naming a result (and a job)
store        the storage/queue interface (results, job table, queue) and the job record
aws_store    its implementation on S3, DynamoDB and SQS (boto3, imported lazily)
local_store  its implementation on a directory (make serve)
backends     which implementation this process uses, from the environment
lifecycle    submit and look up jobs
worker       run a queued job; fail one the queue gave up on
"""
