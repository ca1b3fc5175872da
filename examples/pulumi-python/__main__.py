"""Deploys the example Kedro project (../spaceflights_spark) with KedroAirflowDeployment.

Paths are relative to this folder, the program's working directory. The component plans the
pipeline and renders the DAG while the program runs, so `pulumi preview` shows the plan.
"""

import pulumi
import pulumi_kedro_airflow_k8s as kedro

config = pulumi.Config()
example = "../spaceflights_spark"

deployment = kedro.KedroAirflowDeployment(
    "spaceflights",
    manifest=f"{example}/manifest.json",
    run_config=f"{example}/conf/base/airflow-k8s.yaml",
    project_dir=example,
    dag_bucket=config.require("dagBucket"),
    dag_prefix="dags/",
    # The Spark group was named pyspark_0 by position before stable task ids: its run script
    # keeps its Pulumi resource.
    group_aliases={"pyspark_clean_reviews_node": ["pyspark_0"]},
)

pulumi.export("dagId", deployment.dag_id)
pulumi.export("dagObjectName", deployment.dag_object_name)
pulumi.export("artifactUris", deployment.artifact_uris)
pulumi.export("sparkJobCount", deployment.spark_job_count)
# Export the DAG text to see its changes in `pulumi preview --diff`.
pulumi.export("dagText", deployment.dag_text)
