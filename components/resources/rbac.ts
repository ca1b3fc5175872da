/**
 * What Spark on Kubernetes needs, and no more: spark-submit in cluster mode creates the driver
 * pod (and a headless service and configmap for it); the driver creates, watches and deletes
 * its executor pods, and PVCs when executors use on-demand volumes. All in one namespace.
 */
export const SPARK_ROLE_RULES = [
  {
    apiGroups: [""],
    resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
  },
];
