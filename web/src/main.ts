import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { installSessionExpiry } from './sessionExpiry'

const app = createApp(App)
app.use(i18n)
app.use(ElementPlus)
app.use(router)
installSessionExpiry(router)
app.mount('#app')
