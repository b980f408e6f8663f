FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CHECKPOINT_DISABLE=1
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --include=dev && npm cache clean --force
COPY src ./src
COPY views ./views
RUN node scripts/build.mjs
EXPOSE 3000
USER node
CMD ["node", "dist/main.js"]
