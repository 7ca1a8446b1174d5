"""The WeChat Official Account (公众号) channel on wechatpy: `/wechat` in the web app (see docs/wechat.md)."""
