### key=/cicd/rollout/trigger


### ------ input exp:
# action: deploy
# k8sNamespace: ns-demo1-dev
# appName: demo1
# svcName: gateway
# imageTag: v1
### ------ output exp: k8s cmd
# kubectl -n ns-demo1-dev set image deployments/demo1-gateway gateway=registry.cn-hangzhou.aliyuncs.com/ns-demo/demo1-gateway:v1


