"""Project settings. Kedro's defaults are used throughout: OmegaConfigLoader reading `conf/`,
`base` plus the run env (`local` unless --env or KEDRO_ENV says otherwise).

No hooks are registered: Spark sessions are created on first use, by the Spark datasets or by
`SparkSession.builder.getOrCreate()` inside the nodes that need one, so nodes that do not use
Spark never start a JVM. Spark settings come from the launcher (spark-submit --conf, Dataproc
job properties, PYSPARK_SUBMIT_ARGS for a local `kedro run`).
"""
