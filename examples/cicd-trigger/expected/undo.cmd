### key=/cicd/undo/trigger


### ------ input exp:
# action: undo
# k8sNamespace: ns-demo1-dev
# appName: demo1
# svcName: gateway
# imageTag: v3
### ------ output exp: k8s cmd
# kubectl -n ns-demo1-dev rollout history deployments/demo1-gateway
# kubectl -n ns-demo1-dev rollout undo deployments/demo1-gateway
# kubectl -n ns-demo1-dev rollout history deployments/demo1-gateway


